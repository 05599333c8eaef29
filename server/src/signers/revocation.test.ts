/**
 * Revocation of a doctor's signing key by the users' administrators: who may (program and system administrators;
 * no clinician, not even the key's owner through this route), what is audited, 404 out of reach, 409 twice, and
 * what the doctor and a verifier notice (earlier signatures still verify, signing afterwards is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminSignerKey, MySigningKey, ReportVerifyResult, SignerKey } from '@consult/shared';
import { hospitalId, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { draftReport, PIN, sign } from './fixtures.test-helper';
import * as q from './queries';

describe('administrator revokes a signing key', () => {
  let t: TestApp;
  const s = {} as Record<'cardio' | 'nephro' | 'radiology' | 'county' | 'program' | 'sysadmin', Session>;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    const users = {
      cardio: 'pku.cardio',
      nephro: 'pku.nephro',
      radiology: 'pku.radiology',
      county: 'lankao.doctor',
      program: 'program',
      sysadmin: 'sysadmin',
    } as const;
    for (const [k, u] of Object.entries(users)) s[k as keyof typeof users] = await t.login(u);
    for (const who of [s.cardio, s.nephro, s.radiology]) {
      const res = await t.as(who, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
      expect(res.statusCode).toBe(200);
    }
  });
  afterAll(async () => t?.close());

  const keyOf = async (who: Session) =>
    ((await t.as(who, { method: 'GET', url: '/api/signers/me' })).json() as MySigningKey).active!;
  const adminRevoke = (who: Session, id: string, payload: object = { reason: '医生已离职' }) =>
    t.as(who, { method: 'POST', url: `/api/signers/keys/${id}/admin-revoke`, payload });

  it("lists every signer's active key for the administrators, and for nobody else", async () => {
    const cardioKey = await keyOf(s.cardio);
    for (const admin of [s.program, s.sysadmin]) {
      const res = await t.as(admin, { method: 'GET', url: '/api/signers/keys' });
      expect(res.statusCode).toBe(200);
      const keys = res.json() as AdminSignerKey[];
      expect(keys).toHaveLength(3);
      expect(keys.find((k) => k.userId === s.cardio.userId)).toMatchObject({
        id: cardioKey.id,
        fingerprint: cardioKey.fingerprint,
        subject: expect.stringContaining('pku.cardio'),
        issuer: expect.stringContaining('Consult internal signer CA'),
        revokedAt: null,
      });
    }
    for (const other of [s.county, s.cardio, s.radiology])
      expect((await t.as(other, { method: 'GET', url: '/api/signers/keys' })).statusCode).toBe(403);
  });

  it('refuses clinicians (403) — a county doctor, a colleague, the owner — and validates the body', async () => {
    const key = await keyOf(s.nephro);
    expect((await adminRevoke(s.county, key.id)).statusCode).toBe(403);
    expect((await adminRevoke(s.cardio, key.id)).statusCode).toBe(403);
    expect((await adminRevoke(s.nephro, key.id)).statusCode).toBe(403);
    const noReason = await adminRevoke(s.program, key.id, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toMatch(/reason/);
    const badCode = await adminRevoke(s.program, key.id, { reason: 'x', reasonCode: 'superseded' });
    expect(badCode.statusCode).toBe(400);
    // An administrator is not the owner: the owner's route stays the owner's.
    const ownRoute = await t.as(s.program, {
      method: 'POST',
      url: `/api/signers/keys/${key.id}/revoke`,
      payload: { reason: 'x' },
    });
    expect(ownRoute.statusCode).toBe(403);
    expect((await keyOf(s.nephro)).revokedAt).toBeNull();
  });

  it('answers 404 for an unknown key and for a key outside the administrator’s reach', async () => {
    const missing = await adminRevoke(s.program, '00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
    // Reach is decided in SQL: an administrator of other hospitals' users would not find the PKU doctor's key.
    const key = await keyOf(s.nephro);
    const [pku, wanquan] = [await hospitalId(t.db, 'Peking'), await hospitalId(t.db, 'Wanquan')];
    expect(await q.keyInReach(t.db, key.id, { hospitals: [wanquan] })).toBeUndefined();
    expect((await q.keyInReach(t.db, key.id, { hospitals: [pku] }))?.id).toBe(key.id);
    expect((await q.keyInReach(t.db, key.id, { hospitals: null }))?.id).toBe(key.id);
  });

  it('the program administrator revokes: audited with the administrator and the reason; 409 the second time', async () => {
    const { reportId: before } = await draftReport(t, s.cardio);
    expect((await sign(t, s.cardio, before, { pin: PIN })).statusCode).toBe(200);
    const key = await keyOf(s.cardio);

    const res = await adminRevoke(s.program, key.id, {
      reason: '设备丢失，PIN 无法找回',
      reasonCode: 'keyCompromise',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json() as SignerKey).toMatchObject({
      id: key.id,
      revokedAt: expect.any(String),
      revocationReason: '设备丢失，PIN 无法找回',
      revocationCode: 'keyCompromise',
    });
    const audit = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'signer.revoke')
      .where('entity_id', '=', key.id)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_id: s.program.userId,
      actor_role: 'program_admin',
      outcome: 'success',
    });
    expect(JSON.parse(audit[0]!.detail!)).toMatchObject({
      by: 'administrator',
      owner: s.cardio.userId,
      fingerprint: key.fingerprint,
      reason: '设备丢失，PIN 无法找回',
      reasonCode: 'keyCompromise',
    });
    const revokedBy = await t.db
      .selectFrom('signer_keys')
      .select('revoked_by')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(revokedBy.revoked_by).toBe(s.program.userId);

    const again = await adminRevoke(s.sysadmin, key.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');

    // The doctor sees it in their history; the administrators' list no longer shows it as active.
    const mine = (await t.as(s.cardio, { method: 'GET', url: '/api/signers/me' })).json() as MySigningKey;
    expect(mine.active).toBeNull();
    expect(mine.history[0]).toMatchObject({ id: key.id, revocationReason: '设备丢失，PIN 无法找回' });
    const listed = (
      await t.as(s.program, { method: 'GET', url: '/api/signers/keys' })
    ).json() as AdminSignerKey[];
    expect(listed.map((k) => k.userId)).not.toContain(s.cardio.userId);

    // The report signed before the revocation still verifies; signing now is refused (no key any more).
    const v = (
      await t.as(s.cardio, { method: 'GET', url: `/api/reports/${before}/verify` })
    ).json() as ReportVerifyResult;
    expect(v.ok).toBe(true);
    expect(v.versions[0]!.checks.find((c) => c.check === 'revocation')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/signed before revocation/),
    });
    const { reportId: after } = await draftReport(t, s.cardio);
    const refused = await sign(t, s.cardio, after, { pin: PIN });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().field).toBe('/body/password');
  });

  it('the system administrator may revoke too (a radiologist’s key, affiliation changed)', async () => {
    const key = await keyOf(s.radiology);
    const res = await adminRevoke(s.sysadmin, key.id, {
      reason: '调往其他医院',
      reasonCode: 'affiliationChanged',
    });
    expect(res.statusCode).toBe(200);
    expect((await keyOf(s.radiology)) ?? null).toBeNull();
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'actor_role'])
      .where('action', '=', 'signer.revoke')
      .where('entity_id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor_id: s.sysadmin.userId, actor_role: 'sys_admin' });
  });

  it('a key revoked by its owner is 409 for the administrator', async () => {
    const key = await keyOf(s.nephro);
    const own = await t.as(s.nephro, {
      method: 'POST',
      url: `/api/signers/keys/${key.id}/revoke`,
      payload: { reason: '不再签署报告', reasonCode: 'cessationOfOperation' },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ revocationCode: 'cessationOfOperation' });
    expect((await adminRevoke(s.program, key.id)).statusCode).toBe(409);
  });
});
