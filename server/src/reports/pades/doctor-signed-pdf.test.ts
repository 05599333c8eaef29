/**
 * Who signs the report PDF a hospital downloads: a report signed with the doctor's own P-256 key gets, in both
 * languages, a PDF signed then with the doctor's certificate (pdfsig: valid, the doctor's common name; the block
 * names the certificate subject; an RFC 3161 signature-time-stamp embedded) and served unchanged afterwards; a
 * report signed with the deployment key keeps the deployment's PDF signature; a PDF that cannot be signed at
 * signing time leaves the report unsigned, with nothing of the attempt kept; an SM2 key (no PDF reader verifies
 * SM2) leaves the PDF to the deployment certificate, and the block says so and names the doctor's certificate.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MySigningKey, Report } from '@consult/shared';
import { DIALECTS, makeTestApp, testConfig, type Session, type TestApp } from '../../testing/harness';
import { draftReport, PIN, sign } from '../../signers/fixtures.test-helper';
import { pdfSig, pdfText } from '../fixtures.test-helper';
import { TestTsa } from '../timestamp/test-tsa.test-helper';
import { storageDirOf } from '../../ops-config';
import { OID_SIGNATURE_TIME_STAMP } from './cms';

/** PDF text without its line breaks and spaces (lines wrap anywhere in CJK text). */
const flat = (s: string) => s.replace(/\s+/g, '');

const DEPLOYMENT_CN = 'Signer Certificate Common Name: Consult platform report signing';

/** Whether the PDF's CMS carries a signature-time-stamp. */
function hasSignatureTimestamp(pdf: Buffer): boolean {
  const m = /\/ByteRange \[(\d+) +(\d+) +(\d+) +(\d+) *\]/.exec(pdf.toString('latin1'))!;
  const raw = Buffer.from(pdf.subarray(Number(m[2]) + 1, Number(m[3]) - 1).toString('latin1'), 'hex');
  const der = raw.subarray(0, asn1js.fromBER(raw).offset);
  const sd = AsnConvert.parse(AsnConvert.parse(der, ContentInfo).content, SignedData);
  return !!sd.signerInfos[0]!.unsignedAttrs?.some((a) => a.attrType === OID_SIGNATURE_TIME_STAMP);
}

const enrol = async (t: TestApp, s: Session) => {
  const r = await t.as(s, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
  expect(r.statusCode, r.body).toBe(200);
  return ((await t.as(s, { method: 'GET', url: '/api/signers/me' })).json() as MySigningKey).active!;
};

const download = async (t: TestApp, s: Session, reportId: string, lang: 'zh-CN' | 'en') => {
  const res = await t.as(s, { method: 'GET', url: `/api/reports/${reportId}/pdf?lang=${lang}` });
  expect(res.statusCode, res.body).toBe(200);
  return { pdf: res.rawPayload, source: res.headers['x-pdf-source'] };
};

describe.each(DIALECTS)('report PDF signed with the doctor’s own P-256 key (%s)', (dialect) => {
  let tsa: TestTsa;
  let t: TestApp;
  let cardio: Session;
  let county: Session;

  beforeAll(async () => {
    tsa = await new TestTsa().init();
    await tsa.start();
    const base = testConfig();
    t = await makeTestApp(dialect, {
      signers: { ...base.signers, algorithm: 'p256' },
      reportTrust: {
        ...base.reportTrust,
        tsaUrl: tsa.url,
        tsaCaCert: tsa.caFile,
        tsaTimeoutMs: 5_000,
        tsaRetrySeconds: 0,
      },
    });
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await tsa?.close();
  });

  it('a report signed with the deployment key (no personal key) keeps the deployment PDF signature', async () => {
    const { reportId } = await draftReport(t, cardio);
    const r = await sign(t, cardio, reportId, { password: 'Demo-2026-consult' });
    expect(r.statusCode, r.body).toBe(200);
    const { pdf, source } = await download(t, county, reportId, 'zh-CN');
    expect(source).toBe('rendered');
    const report = pdfSig(pdf);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain(DEPLOYMENT_CN);
    expect(pdfText(pdf)).toContain('证书主题：O=Consult platform, CN=Consult platform report signing');
  }, 60_000);

  it('signs the PDF in zh-CN and en with the doctor’s certificate at signing time and serves that file', async () => {
    const key = await enrol(t, cardio);
    const cn = /CN=(.+)$/.exec(key.subject)![1]!;
    expect(cn).toContain('陈教授');
    const { reportId } = await draftReport(t, cardio);
    const r = await sign(t, cardio, reportId, { pin: PIN });
    expect(r.statusCode, r.body).toBe(200);

    for (const [lang, subject, trusted] of [
      ['zh-CN', `证书主题：${key.subject}`, '可信时间：本 PDF 签名内嵌的 RFC 3161 时间戳'],
      ['en', `Certificate subject：${key.subject}`, 'the RFC 3161 time-stamp embedded in this PDF signature'],
    ] as const) {
      const first = await download(t, county, reportId, lang);
      expect(first.source).toBe('signed');
      const report = pdfSig(first.pdf);
      expect(report).toContain('Signature Validation: Signature is Valid.');
      expect(report).toContain(`Signer Certificate Common Name: ${cn}`);
      expect(report).not.toContain(DEPLOYMENT_CN);
      const text = flat(pdfText(first.pdf));
      expect(text).toContain(flat(subject));
      expect(text).toContain(flat(trusted));
      expect(text).toContain('ECDSAP-256');
      expect(hasSignatureTimestamp(first.pdf)).toBe(true);
      // Later downloads (the doctor's own too) are that very file.
      const again = await download(t, cardio, reportId, lang);
      expect(again.source).toBe('signed');
      expect(Buffer.compare(again.pdf, first.pdf)).toBe(0);
    }
    const audit = await t.db
      .selectFrom('audit_events')
      .select('detail')
      .where('action', '=', 'report.sign')
      .where('entity_id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(audit.detail).toContain('"signedBy":"signer"');
  }, 120_000);

  it('leaves the report unsigned, with nothing kept, when its PDF cannot be signed', async () => {
    const key = await t.db
      .selectFrom('signer_keys')
      .select(['id', 'chain_pem'])
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    // A hospital CA chain longer than the PDF's signature space: the CMS does not fit, PDF signing fails.
    const chain = JSON.parse(key.chain_pem) as string[];
    const long = JSON.stringify(Array.from({ length: 40 }, () => chain[0]!));
    await t.db.updateTable('signer_keys').set({ chain_pem: long }).where('id', '=', key.id).execute();
    const { reportId } = await draftReport(t, cardio);
    const signedDir = path.join(storageDirOf(t.config), 'reports', 'signed', reportId);

    const r = await sign(t, cardio, reportId, { pin: PIN });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toMatchObject({ code: 'pdf_signing_failed' });
    expect(r.json().message).toMatch(/report PDF could not be signed.*the report was not signed/);

    const after = (await t.as(cardio, { method: 'GET', url: `/api/reports/${reportId}` })).json() as Report;
    expect(after.currentVersion).toBe(0);
    expect(after.status).toBe('draft');
    expect(after.versions).toHaveLength(0);
    const pdf = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf` });
    expect(pdf.statusCode).toBe(404);
    expect(fs.existsSync(signedDir) ? fs.readdirSync(signedDir) : []).toEqual([]);
    const failed = await t.db
      .selectFrom('audit_events')
      .select(['outcome', 'detail'])
      .where('action', '=', 'report.sign')
      .where('entity_id', '=', reportId)
      .execute();
    expect(failed.map((a) => a.outcome)).toEqual(['failure']);

    // With the chain repaired the same draft signs, as version 1.
    await t.db
      .updateTable('signer_keys')
      .set({ chain_pem: key.chain_pem })
      .where('id', '=', key.id)
      .execute();
    const ok = await sign(t, cardio, reportId, { pin: PIN });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((ok.json() as Report).currentVersion).toBe(1);
    expect(fs.readdirSync(signedDir)).toHaveLength(2);
  }, 120_000);
});

describe('report signed with an SM2 key', () => {
  let t: TestApp;
  let cardio: Session;

  beforeAll(async () => {
    const base = testConfig();
    t = await makeTestApp('pglite', { signers: { ...base.signers, algorithm: 'sm2' } });
    cardio = await t.login('pku.cardio');
  }, 60_000);
  afterAll(async () => t?.close());

  it('keeps the deployment signature on the PDF and the block names the doctor’s SM2 certificate', async () => {
    const key = await enrol(t, cardio);
    const { reportId } = await draftReport(t, cardio);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    for (const [lang, note] of [
      ['zh-CN', `报告签名：签署人的 SM2 个人密钥（${key.subject}）。PDF 阅读器无法验证 SM2 签名`],
      ['en', `the signer's personal SM2 key (${key.subject}). PDF readers cannot verify SM2 signatures`],
    ] as const) {
      const { pdf, source } = await download(t, cardio, reportId, lang);
      expect(source).toBe('rendered');
      const report = pdfSig(pdf);
      expect(report).toContain('Signature Validation: Signature is Valid.');
      expect(report).toContain(DEPLOYMENT_CN);
      expect(flat(pdfText(pdf))).toContain(flat(note));
    }
  }, 120_000);
});
