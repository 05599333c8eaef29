/**
 * The report PDF signed with PAdES: poppler's pdfsig finds the signature valid, and invalid once one byte of the
 * signed range changes; the visible block is there in Chinese; the RFC 3161 signature-time-stamp embedded in the CMS
 * verifies over the signature value (also by openssl); an imported RSA certificate signs too.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportPdf } from '../pdf';
import { pdfSig, pdfText, sampleDocument } from '../fixtures.test-helper';
import { TestTsa } from '../timestamp/test-tsa.test-helper';
import { requestTimestamp, type TsaEndpoint } from '../timestamp/client';
import { loadTrust } from '../timestamp/trust';
import { verifyToken } from '../timestamp/tsp';
import { OID_SIGNATURE_TIME_STAMP } from './cms';
import { signPdf } from './sign-pdf';
import { certificateSubject, loadDeploymentSigner, type CmsSigner } from './signer';
import { openTestDb, type TestDb } from '../../testing/harness';

/** The CMS in the PDF's /Contents, exactly (the placeholder's zero padding cut by the DER length). */
function cmsOf(pdf: Buffer): SignedData {
  const m = /\/ByteRange \[(\d+) +(\d+) +(\d+) +(\d+) *\]/.exec(pdf.toString('latin1'))!;
  const hex = pdf.subarray(Number(m[2]) + 1, Number(m[3]) - 1).toString('latin1');
  const raw = Buffer.from(hex, 'hex');
  const { offset } = asn1js.fromBER(raw);
  return AsnConvert.parse(AsnConvert.parse(raw.subarray(0, offset), ContentInfo).content, SignedData);
}

describe('PAdES-signed report PDF', () => {
  let tsa: TestTsa;
  let endpoint: TsaEndpoint;
  let signer: CmsSigner;
  let dataDir: string;
  let tdb: TestDb;

  const render = (s: CmsSigner, trustedTime: string | null) =>
    renderReportPdf(
      {
        ...sampleDocument(),
        pdfSignature: {
          certificateSubject: certificateSubject(s.certificatePem),
          timestamp: trustedTime ? 'granted' : 'none',
          trustedTime,
        },
      },
      'zh-CN',
    );

  beforeAll(async () => {
    tsa = await new TestTsa().init();
    await tsa.start();
    endpoint = { url: tsa.url, trust: loadTrust(tsa.caFile), timeoutMs: 10_000 };
    dataDir = fs.mkdtempSync(path.join(tsa.dir, 'data-'));
    tdb = await openTestDb('pglite');
    signer = await deploymentSigner({ cert: null, key: null });
  }, 60_000);
  afterAll(async () => {
    await tsa.close();
    await tdb.close();
  });
  const deploymentSigner = (files: { cert: string | null; key: string | null }) =>
    loadDeploymentSigner(tdb.dbh.db, { dataDir, secretsKey: null }, files);

  it('is valid for pdfsig, shows the block in Chinese, and carries a time-stamp over its signature', async () => {
    const unsigned = await render(signer, '2026-11-25T08:00:02.000Z');
    const { pdf, timestamped } = await signPdf(
      unsigned,
      signer,
      async (sig) => (await requestTimestamp(endpoint, sig)).token,
    );
    expect(timestamped).toBe(true);
    const report = pdfSig(pdf);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('ETSI.CAdES.detached');
    expect(report).toContain('Signer Certificate Common Name: Consult platform report signing');

    const text = pdfText(pdf);
    expect(text).toContain('电子签名');
    expect(text).toContain('签署人：陈教授');
    expect(text).toContain('医院：北京大学第一医院');
    expect(text).toMatch(/签署时间：2026-11-25 16:00/);
    expect(text).toMatch(/可信时间：2026-11-25 16:00:02.*RFC 3161/);
    expect(text).toContain('证书主题：O=Consult platform, CN=Consult platform report signing');

    // The signature-time-stamp stamps this signature's value and verifies (our client and openssl).
    const si = cmsOf(pdf).signerInfos[0]!;
    const attr = si.unsignedAttrs!.find((a) => a.attrType === OID_SIGNATURE_TIME_STAMP)!;
    const token = Buffer.from(attr.attrValues[0]!);
    const value = Buffer.from(si.signature.buffer);
    expect(verifyToken(token, value, endpoint.trust).tsaSubject).toContain('Consult Test TSA');
    fs.writeFileSync(path.join(tsa.dir, 'sig.tok'), token);
    fs.writeFileSync(path.join(tsa.dir, 'sig.dat'), value);
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-token_in', '-in', 'sig.tok', '-data', 'sig.dat', '-CAfile', tsa.caFile],
      { cwd: tsa.dir, encoding: 'utf8' },
    );
    expect(out).toContain('Verification: OK');

    // One byte changed in the signed range (the producer string): pdfsig no longer accepts it.
    const at = pdf.indexOf('PDFKit');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(pdf);
    tampered[at] = 'Q'.charCodeAt(0);
    expect(pdfSig(tampered)).not.toContain('Signature is Valid.');
    expect(pdfSig(tampered)).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  });

  it('says "no trusted timestamp" and signs without one when no TSA is configured', async () => {
    const { pdf, timestamped } = await signPdf(await render(signer, null), signer);
    expect(timestamped).toBe(false);
    expect(pdfSig(pdf)).toContain('Signature Validation: Signature is Valid.');
    expect(pdfText(pdf)).toContain('可信时间：无可信时间戳');
    expect(cmsOf(pdf).signerInfos[0]!.unsignedAttrs).toBeUndefined();
  });

  it('keeps the deployment certificate across restarts and signs with an imported RSA certificate', async () => {
    expect((await deploymentSigner({ cert: null, key: null })).certificatePem).toBe(signer.certificatePem);
    expect(fs.existsSync(path.join(dataDir, 'keys'))).toBe(false); // the key is a database row, not a node's file
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'rsa.key',
        '-out',
        'rsa.crt',
        '-days',
        '30',
        '-subj',
        '/O=Lankao County Hospital/CN=Imported RSA signer',
      ],
      { cwd: tsa.dir },
    );
    const rsa = await deploymentSigner({
      cert: path.join(tsa.dir, 'rsa.crt'),
      key: path.join(tsa.dir, 'rsa.key'),
    });
    expect(rsa.algorithm).toBe('RSA-SHA256');
    const { pdf } = await signPdf(await render(rsa, null), rsa);
    const report = pdfSig(pdf);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Imported RSA signer');
    // A key that is not the certificate's is refused at load.
    const wrong = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    fs.writeFileSync(path.join(tsa.dir, 'wrong.key'), wrong.export({ type: 'pkcs8', format: 'pem' }));
    await expect(
      deploymentSigner({ cert: path.join(tsa.dir, 'rsa.crt'), key: path.join(tsa.dir, 'wrong.key') }),
    ).rejects.toThrow(/does not belong/);
  });
});
