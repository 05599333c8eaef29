/**
 * Trusted time through the application, with a real TSA (openssl ts): a signed version carries the TSA's time in
 * the report, its verification and its signed PDF; a token that does not stamp the signature fails verification;
 * with the TSA down the signature is saved "pending" and the background retry gets the token once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, ReportVerifyResult } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../../testing/harness';
import { makeConsultation, pdfSig, pdfText, sampleContent } from '../fixtures.test-helper';
import { TestTsa } from './test-tsa.test-helper';

/** Wait for a condition, polling, at most `ms`. */
async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each(DIALECTS)('report trusted time (%s)', (dialect) => {
  let tsa: TestTsa;
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let reportId: string;

  const sign = async () => {
    const s = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(s.statusCode, s.body).toBe(200);
    return s.json() as Report;
  };
  const report = async () =>
    (await t.as(county, { method: 'GET', url: `/api/reports/${reportId}` })).json() as Report;
  const verify = async () =>
    (
      await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;
  const pdf = async (version: number) => {
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf?version=${version}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.rawPayload;
  };

  beforeAll(async () => {
    tsa = await new TestTsa().init();
    await tsa.start();
    t = await makeTestApp(dialect, {
      reportTrust: {
        tsaUrl: tsa.url,
        tsaCaCert: tsa.caFile,
        tsaTimeoutMs: 5_000,
        tsaRetrySeconds: 1,
        tsaMaxAttempts: 50,
        pdfSigningCert: null,
        pdfSigningKey: null,
      },
    });
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
    const { consultationId } = await makeConsultation(t.db);
    const r = (
      await t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
    ).json() as Report;
    reportId = r.id;
    const put = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${reportId}/draft`,
      payload: { content: sampleContent(), baseRevision: 0 },
    });
    expect(put.statusCode, put.body).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await tsa?.close();
  }, 60_000);

  it('stamps a signature: the TSA time shows in the report, verification and the signed PDF', async () => {
    const r = await sign();
    const ts = r.versions[0]!.timestamp;
    expect(ts).toMatchObject({ status: 'granted', error: null });
    expect(ts.tsa).toContain('Consult Test TSA');
    expect(Math.abs(Date.parse(ts.time!) - Date.parse(r.versions[0]!.signedAt))).toBeLessThan(60_000);
    expect((await report()).versions[0]!.timestamp).toEqual(ts);

    const v = await verify();
    expect(v.ok).toBe(true);
    expect(v.versions[0]!.timestamp).toEqual(ts);

    const doc = await pdf(1);
    expect(pdfSig(doc)).toContain('Signature Validation: Signature is Valid.');
    const text = pdfText(doc);
    expect(text).toContain('签署人：');
    expect(text).toMatch(/可信时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）（RFC 3161 时间戳）/);
  });

  it('fails verification when the stored token does not stamp the signature', async () => {
    const row = await t.db
      .selectFrom('report_timestamps')
      .selectAll()
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();
    const sig = await t.db
      .selectFrom('report_versions')
      .select('signature')
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();
    const other = Buffer.from(sig.signature, 'base64');
    other[0] = other[0]! ^ 0xff;
    await t.db
      .updateTable('report_versions')
      .set({ signature: other.toString('base64') })
      .where('report_id', '=', reportId)
      .execute();
    try {
      const v = await verify();
      expect(v.ok).toBe(false);
      expect(v.versions[0]!.ok).toBe(false);
    } finally {
      await t.db
        .updateTable('report_versions')
        .set({ signature: sig.signature })
        .where('report_id', '=', reportId)
        .execute();
    }
    // The signature intact and the token altered: the trusted timestamp is what fails.
    const token = Buffer.from(row.token!);
    const bad = Buffer.from(token);
    bad[bad.length - 5] = bad[bad.length - 5]! ^ 0x01;
    await t.db
      .updateTable('report_timestamps')
      .set({ token: bad })
      .where('report_id', '=', reportId)
      .execute();
    try {
      const v = await verify();
      expect(v.ok).toBe(false);
      expect(v.versions[0]!.reason).toMatch(/^trusted timestamp: /);
    } finally {
      await t.db.updateTable('report_timestamps').set({ token }).where('report_id', '=', reportId).execute();
    }
    expect((await verify()).ok).toBe(true);
  });

  it('with the TSA down the signature is saved "pending" and stamped in the background once it is back', async () => {
    await tsa.stop();
    const am = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/amendments`,
      payload: { reason: '补充肌钙蛋白数值' },
    });
    expect(am.statusCode, am.body).toBe(200);
    const r = await sign();
    expect(r.currentVersion).toBe(2);
    const pending = r.versions[1]!.timestamp;
    expect(pending.status).toBe('pending');
    expect(pending.error).toMatch(/did not answer/);
    const v = await verify();
    expect(v.ok).toBe(true);
    expect(v.versions[1]!.timestamp!.status).toBe('pending');
    const pendingPdf = await pdf(2);
    expect(pdfSig(pendingPdf)).toContain('Signature Validation: Signature is Valid.');
    expect(pdfText(pendingPdf)).toContain('可信时间：时间戳待获取');

    await tsa.start();
    const stamped = await until(
      'the background retry to stamp version 2',
      report,
      (x) => x.versions[1]!.timestamp.status === 'granted',
    );
    expect(stamped.versions[1]!.timestamp.time).not.toBeNull();
    expect((await verify()).ok).toBe(true);
    // The PDF prints what it shows: rendered and signed again with the trusted time.
    expect(pdfText(await pdf(2))).toMatch(/可信时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  });
});
