import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@consult/shared';
import { DIALECTS, makeTestApp, type TestApp } from '../testing/harness';

describe.each(DIALECTS)('sign-in and sessions on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(dialect, { loginMaxFailures: 3, loginRateLimit: 1000 });
  });
  afterAll(() => t.close());

  const auditFor = async (username: string) => {
    const u = await t.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    return t.db
      .selectFrom('audit_events')
      .select(['action', 'outcome', 'detail'])
      .where('action', '=', 'auth.login')
      .where('entity_id', '=', u.id)
      .orderBy('seq')
      .execute();
  };

  it('signs in with a hashed password, sets an httpOnly SameSite cookie, and /me answers', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'lankao.doctor', password: 'Demo-2026-consult' },
    });
    expect(res.statusCode).toBe(200);
    const c = res.cookies.find((x) => x.name === SESSION_COOKIE)!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Lax');
    expect(c.secure).toBeFalsy();
    const me = await t.app.inject({ url: '/api/auth/me', cookies: { [SESSION_COOKIE]: c.value } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      username: 'lankao.doctor',
      role: 'county_doctor',
      hospital: { nameZh: '兰考县人民医院' },
    });
    const row = await t.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'lankao.doctor')
      .executeTakeFirstOrThrow();
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
  });

  it('rejects a wrong password with 401 and records the failure', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'yonghe.doctor', password: 'wrong-password' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('wrong username or password');
    const rows = await auditFor('yonghe.doctor');
    expect(rows.at(-1)).toMatchObject({ outcome: 'failure' });
  });

  it('locks the account for the failing client only, answering like a wrong password, until the lock time passes', async () => {
    const from = (remoteAddress: string, password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress,
        payload: { username: 'linquan.doctor', password },
      });
    for (let i = 0; i < 3; i++) expect((await from('10.1.1.1', 'nope-nope')).statusCode).toBe(401);
    // Locked for that client, even with the right password — and the answer says nothing about a lock.
    const locked = await from('10.1.1.1', 'Demo-2026-consult');
    expect(locked.statusCode).toBe(401);
    expect(locked.json()).toEqual({
      statusCode: 401,
      code: 'unauthenticated',
      error: 'Unauthorized',
      message: 'wrong username or password',
    });
    // The doctor at another address is not locked out.
    expect((await from('10.2.2.2', 'Demo-2026-consult')).statusCode).toBe(200);
    // Time passes: the lock expires.
    await t.db
      .updateTable('login_failures')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('client', '=', '10.1.1.1')
      .execute();
    expect((await from('10.1.1.1', 'Demo-2026-consult')).statusCode).toBe(200);
  });

  it('an unknown user gets the same answer as a wrong password', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'nobody.here', password: 'whatever-1' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('wrong username or password');
  });

  it('requires the CSRF token on state-changing requests', async () => {
    const s = await t.login('wanquan.doctor');
    const noToken = await t.app.inject({
      method: 'PUT',
      url: '/api/auth/me/locale',
      payload: { locale: 'en' },
      cookies: { [SESSION_COOKIE]: s.cookie },
    });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().code).toBe('csrf');
    const wrong = await t.app.inject({
      method: 'PUT',
      url: '/api/auth/me/locale',
      payload: { locale: 'en' },
      cookies: { [SESSION_COOKIE]: s.cookie },
      headers: { 'x-csrf-token': 'forged' },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await t.as(s, { method: 'PUT', url: '/api/auth/me/locale', payload: { locale: 'en' } });
    expect(ok.statusCode).toBe(200);
    expect((await t.as(s, { url: '/api/auth/me' })).json().locale).toBe('en');
  });

  it('logout ends the session', async () => {
    const s = await t.login('pku.cardio');
    expect((await t.as(s, { method: 'POST', url: '/api/auth/logout', payload: {} })).statusCode).toBe(200);
    expect((await t.as(s, { url: '/api/auth/me' })).statusCode).toBe(401);
  });

  it('an expired session is refused', async () => {
    const s = await t.login('pku.nephro');
    await t.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    expect((await t.as(s, { url: '/api/auth/me' })).statusCode).toBe(401);
  });

  it('changing one’s password needs the current one and ends other sessions', async () => {
    const a = await t.login('anzhen.radiology');
    const b = await t.login('anzhen.radiology');
    const bad = await t.as(a, {
      method: 'PUT',
      url: '/api/auth/me/password',
      payload: { currentPassword: 'wrong-one', newPassword: 'a-new-password-1' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('currentPassword');
    const ok = await t.as(a, {
      method: 'PUT',
      url: '/api/auth/me/password',
      payload: { currentPassword: 'Demo-2026-consult', newPassword: 'a-new-password-1' },
    });
    expect(ok.statusCode).toBe(200);
    expect((await t.as(a, { url: '/api/auth/me' })).statusCode).toBe(200);
    expect((await t.as(b, { url: '/api/auth/me' })).statusCode).toBe(401);
    await t.login('anzhen.radiology', 'a-new-password-1');
  });
});

describe('login rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite', { loginRateLimit: 3 });
  });
  afterAll(() => t.close());

  it('answers 429 once an address exceeds the per-minute login budget', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'x.y.z', password: 'whatever-1' },
      });
      codes.push(r.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('secure cookies behind HTTPS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite', { publicUrl: 'https://consult.example.org' });
  });
  afterAll(() => t.close());

  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'lankao.doctor', password: 'Demo-2026-consult' },
    });
    expect(res.cookies.find((x) => x.name === SESSION_COOKIE)?.secure).toBe(true);
  });
});
