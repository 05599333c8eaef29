/**
 * What a signature binds: the patient, consultation and hospitals it names and the newest version. Re-pointing the
 * consultation to another patient or dropping the newest version is reported by verification, naming the check.
 * Reports signed with the deployment key (before per-signer keys) still verify, and say so.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportVerifyResult } from '@consult/shared';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { amend, draftReport, PIN, sign } from '../signers/fixtures.test-helper';
import { DEPLOYMENT_KEY_LABEL } from './verify';

describe('report signature checks', () => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    [cardio, county] = (await Promise.all(['pku.cardio', 'lankao.doctor'].map((u) => t.login(u)))) as [
      Session,
      Session,
    ];
  });
  afterAll(async () => t?.close());

  const verify = async (reportId: string) =>
    (
      await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;

  it('a report signed with the deployment key (no signer key yet) verifies and says so', async () => {
    const { reportId } = await draftReport(t, cardio);
    expect((await sign(t, cardio, reportId, { password: 'Demo-2026-consult' })).statusCode).toBe(200);
    const v = await verify(reportId);
    expect(v.ok).toBe(true);
    expect(v.versions[0]!.signer).toMatchObject({ deploymentKey: true, algorithm: 'Ed25519' });
    expect(v.versions[0]!.checks.find((c) => c.check === 'signature')?.detail).toBe(DEPLOYMENT_KEY_LABEL);
  });

  it('re-pointing the consultation to another patient is detected (check "patient")', async () => {
    await t.as(cardio, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
    const { reportId, consultationId, patientId } = await draftReport(t, cardio);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    expect((await verify(reportId)).ok).toBe(true);
    const p = await t.db
      .selectFrom('patients')
      .selectAll()
      .where('id', '=', patientId)
      .executeTakeFirstOrThrow();
    const otherId = crypto.randomUUID();
    await t.db
      .insertInto('patients')
      .values({ ...p, id: otherId, name: '另一患者 李某', national_id: null })
      .execute();
    await t.db
      .updateTable('consultations')
      .set({ patient_id: otherId })
      .where('id', '=', consultationId)
      .execute();
    const v = await verify(reportId);
    expect(v.ok).toBe(false);
    expect(v.versions[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/another patient/) });
    expect(v.versions[0]!.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['patient']);
    // Editing the signed-for patient's name is caught too.
    await t.db
      .updateTable('consultations')
      .set({ patient_id: patientId })
      .where('id', '=', consultationId)
      .execute();
    await t.db.updateTable('patients').set({ name: '改名' }).where('id', '=', patientId).execute();
    expect((await verify(reportId)).versions[0]!.reason).toMatch(/name or ID number differs/);
  });

  it('dropping the newest version is detected (check "head"), also when the report row is rolled back', async () => {
    const { reportId } = await draftReport(t, cardio);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    await amend(t, cardio, reportId, 2);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    const good = await verify(reportId);
    expect(good.ok).toBe(true);
    expect(good.versions.map((v) => v.version)).toEqual([1, 2]);
    // Whoever drops the version drops its signed PDFs too (they reference it).
    for (const table of ['report_signed_pdfs', 'report_versions'] as const)
      await t.db.deleteFrom(table).where('report_id', '=', reportId).where('version', '=', 2).execute();
    await t.db.updateTable('reports').set({ current_version: 1 }).where('id', '=', reportId).execute();
    const v = await verify(reportId);
    expect(v.ok).toBe(false);
    expect(v.versions[0]!.ok).toBe(true);
    expect(v.versions[1]).toMatchObject({
      version: 2,
      ok: false,
      reason: '2 versions were signed but 1 are stored: version 2 is missing',
      checks: [expect.objectContaining({ check: 'head', ok: false })],
    });
  });
});
