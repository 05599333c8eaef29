import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, hospitalId, makeTestApp, type Session, type TestApp } from '../testing/harness';

describe.each(DIALECTS)('hospital network on %s', (dialect) => {
  let t: TestApp;
  let admin: Session;
  let lankao: Session;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    admin = await t.login('program');
    lankao = await t.login('lankao.doctor');
  });
  afterAll(() => t.close());

  it('shows a county doctor only her hospital and its pairing partner, scoped in the query', async () => {
    const res = await t.as(lankao, { url: '/api/hospitals' });
    expect(res.statusCode).toBe(200);
    expect(
      res
        .json()
        .map((h: { nameEn: string }) => h.nameEn)
        .sort(),
    ).toEqual(["Lankao County People's Hospital", 'Peking University First Hospital']);
    const wanquan = await hospitalId(t.db, 'Wanquan');
    expect((await t.as(lankao, { url: `/api/hospitals/${wanquan}` })).statusCode).toBe(404);
    expect((await t.as(lankao, { url: `/api/hospitals/${wanquan}/departments` })).statusCode).toBe(404);
    const pairings = (await t.as(lankao, { url: '/api/pairings' })).json();
    expect(pairings).toHaveLength(1);
  });

  it('shows the tertiary hospital all its partner counties', async () => {
    const pku = await t.login('pku.cardio');
    const names = (await t.as(pku, { url: '/api/hospitals' }))
      .json()
      .map((h: { nameEn: string }) => h.nameEn);
    expect(names).toHaveLength(4);
    expect(names).not.toContain('Wanquan District Hospital');
  });

  it('validates bodies and names the offending field, writing nothing', async () => {
    const count = async () =>
      Number(
        (
          await t.db
            .selectFrom('hospitals')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const bad = await t.as(admin, {
      method: 'POST',
      url: '/api/hospitals',
      payload: { nameZh: '某医院', nameEn: 'X', tier: 'district', region: 'r' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('/body/tier');
    const missing = await t.as(admin, {
      method: 'POST',
      url: '/api/hospitals',
      payload: { nameZh: '某医院', tier: 'county', region: 'r' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().field).toBe('/body/nameEn');
    const extra = await t.as(admin, {
      method: 'POST',
      url: '/api/hospitals',
      payload: { nameZh: '某医院', nameEn: 'X', tier: 'county', region: 'r', evil: 1 },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().field).toBe('/body/evil');
    const badId = await t.as(admin, { url: '/api/hospitals/not-a-uuid' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().field).toBe('/params/id');
    expect(await count()).toBe(before);
  });

  it('creates pairings only tertiary ↔ county, once', async () => {
    const pku = await hospitalId(t.db, 'Peking');
    const anzhen = await hospitalId(t.db, 'Beijing Anzhen');
    const wanquan = await hospitalId(t.db, 'Wanquan');
    const lk = await hospitalId(t.db, 'Lankao');
    const wrong = await t.as(admin, {
      method: 'POST',
      url: '/api/pairings',
      payload: { tertiaryHospitalId: lk, countyHospitalId: wanquan, programName: 'x', since: '2026-01-01' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().field).toBe('tertiaryHospitalId');
    const ok = await t.as(admin, {
      method: 'POST',
      url: '/api/pairings',
      payload: {
        tertiaryHospitalId: pku,
        countyHospitalId: wanquan,
        programName: '远程影像',
        since: '2026-01-01',
      },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ since: '2026-01-01', active: true });
    const dup = await t.as(admin, {
      method: 'POST',
      url: '/api/pairings',
      payload: {
        tertiaryHospitalId: pku,
        countyHospitalId: wanquan,
        programName: 'again',
        since: '2026-01-01',
      },
    });
    expect(dup.statusCode).toBe(409);
    // The new partner is now visible to Wanquan's doctor; deactivating the pairing hides it again.
    const wq = await t.login('wanquan.doctor');
    expect((await t.as(wq, { url: `/api/hospitals/${pku}` })).statusCode).toBe(200);
    expect(
      (
        await t.as(admin, {
          method: 'PATCH',
          url: `/api/pairings/${ok.json().id}`,
          payload: { active: false },
        })
      ).statusCode,
    ).toBe(200);
    expect((await t.as(wq, { url: `/api/hospitals/${pku}` })).statusCode).toBe(404);
    expect((await t.as(wq, { url: `/api/hospitals/${anzhen}` })).statusCode).toBe(200);
  });

  it('manages users: create, duplicate username, placement rules, disable signs out, reset password', async () => {
    const lk = await hospitalId(t.db, 'Lankao');
    const pku = await hospitalId(t.db, 'Peking');
    const body = {
      username: 'lankao.nurse',
      displayName: '刘芳',
      role: 'county_doctor',
      hospitalId: lk,
      password: 'initial-pass-1',
    };
    const created = await t.as(admin, { method: 'POST', url: '/api/users', payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).not.toHaveProperty('password_hash');
    expect(created.json()).not.toHaveProperty('passwordHash');
    expect((await t.as(admin, { method: 'POST', url: '/api/users', payload: body })).statusCode).toBe(409);
    const misplaced = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { ...body, username: 'pku.wrong', hospitalId: pku },
    });
    expect(misplaced.statusCode).toBe(400);
    expect(misplaced.json().field).toBe('hospitalId');
    const noSys = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { ...body, username: 'root2', role: 'sys_admin', hospitalId: null },
    });
    expect(noSys.statusCode).toBe(403);

    const nurse = await t.login('lankao.nurse', 'initial-pass-1');
    const id = created.json().id as string;
    expect(
      (await t.as(admin, { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: true } })).json()
        .disabled,
    ).toBe(true);
    expect((await t.as(nurse, { url: '/api/auth/me' })).statusCode).toBe(401);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'lankao.nurse', password: 'initial-pass-1' },
    });
    expect(refused.statusCode).toBe(403);
    await t.as(admin, { method: 'PATCH', url: `/api/users/${id}`, payload: { disabled: false } });
    expect(
      (
        await t.as(admin, {
          method: 'POST',
          url: `/api/users/${id}/password`,
          payload: { password: 'second-pass-22' },
        })
      ).statusCode,
    ).toBe(200);
    await expect(t.login('lankao.nurse', 'initial-pass-1')).rejects.toThrow(/401/);
    await t.login('lankao.nurse', 'second-pass-22');
    const list = await t.as(admin, { url: `/api/users?hospitalId=${lk}` });
    expect(list.json().map((u: { username: string }) => u.username)).toEqual([
      'lankao.doctor',
      'lankao.nurse',
    ]);
  });
});
