/**
 * Each SIGNATURE_ALGORITHM end to end: enrol, sign a report, verify it here — and check the same bytes with
 * openssl: the certificate against the exported internal CA root (`openssl verify`), the report signature
 * (`openssl pkeyutl -verify -rawin` for Ed25519 and SM2 with SM3 and the GM/T 0009 default ID, `openssl dgst` for
 * ECDSA P-256), and a signature openssl makes with the signer's key verified by the server's code. For SM2 openssl
 * is given the ID (distid:1234567812345678): OpenSSL 3 otherwise uses an empty ID, and must then refuse.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MySigningKey, ReportVerifyResult, SignerCa } from '@consult/shared';
import { makeTestApp, testConfig, type Session, type TestApp } from '../testing/harness';
import { draftReport, openssl, opensslStatus, PIN, sign, tempDir } from './fixtures.test-helper';
import { unlockSigner } from './service';
import { buildName, issueCertificate, verifyBytes, SM2_DEFAULT_ID, type SignerAlgorithm } from './x509';

const CERT_SIG: Record<SignerAlgorithm, string> = {
  ed25519: 'ED25519',
  p256: 'ecdsa-with-SHA256',
  sm2: 'SM2-with-SM3',
};

describe.each(['ed25519', 'p256', 'sm2'] as const)('signing algorithm %s', (algorithm) => {
  let t: TestApp;
  let cardio: Session;
  const tmp = tempDir();

  beforeAll(async () => {
    const base = testConfig();
    t = await makeTestApp('pglite', { signers: { ...base.signers, algorithm } });
    cardio = await t.login('pku.cardio');
  });
  afterAll(async () => {
    tmp.close();
    await t?.close();
  });

  it('enrols, signs and verifies; openssl verifies the certificate and the report signature', async () => {
    expect(
      (await t.as(cardio, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } }))
        .statusCode,
    ).toBe(200);
    const me = (await t.as(cardio, { method: 'GET', url: '/api/signers/me' })).json() as MySigningKey;
    expect(me.active?.algorithm).toBe(algorithm);
    const ca = (await t.as(null, { method: 'GET', url: '/api/signers/ca' })).json() as SignerCa;
    expect(ca.algorithm).toBe(algorithm);
    fs.writeFileSync(tmp.file('ca.pem'), ca.certificatePem);
    fs.writeFileSync(tmp.file('cert.pem'), me.active!.certificatePem);
    const sm2Id = algorithm === 'sm2' ? ['-vfyopt', `distid:${SM2_DEFAULT_ID}`] : [];
    expect(openssl(['verify', ...sm2Id, '-CAfile', tmp.file('ca.pem'), tmp.file('cert.pem')])).toContain(
      ': OK',
    );
    if (algorithm === 'sm2')
      expect(opensslStatus(['verify', '-CAfile', tmp.file('ca.pem'), tmp.file('cert.pem')]).status).not.toBe(
        0,
      );
    const text = openssl(['x509', '-in', tmp.file('cert.pem'), '-noout', '-text']);
    expect(text).toContain(`Signature Algorithm: ${CERT_SIG[algorithm]}`);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toMatch(/Digital Signature, Non Repudiation/);

    const { reportId } = await draftReport(t, cardio);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    const v = (
      await t.as(cardio, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;
    expect(v.ok).toBe(true);
    expect(v.versions[0]!.signer).toMatchObject({
      deploymentKey: false,
      fingerprint: me.active!.fingerprint,
    });

    const row = await t.db
      .selectFrom('report_versions')
      .select(['payload', 'signature', 'algorithm', 'certificate_pem'])
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();
    expect(row.algorithm).toBe(algorithm);
    expect(row.certificate_pem).toBe(me.active!.certificatePem);
    fs.writeFileSync(tmp.file('payload'), row.payload);
    fs.writeFileSync(tmp.file('sig'), Buffer.from(row.signature, 'base64'));
    openssl(['x509', '-in', tmp.file('cert.pem'), '-pubkey', '-noout', '-out', tmp.file('pub.pem')]);
    const verify =
      algorithm === 'p256'
        ? [
            'dgst',
            '-sha256',
            '-verify',
            tmp.file('pub.pem'),
            '-signature',
            tmp.file('sig'),
            tmp.file('payload'),
          ]
        : [
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            tmp.file('pub.pem'),
            '-rawin',
            ...(algorithm === 'sm2' ? ['-digest', 'sm3', '-pkeyopt', `distid:${SM2_DEFAULT_ID}`] : []),
            '-in',
            tmp.file('payload'),
            '-sigfile',
            tmp.file('sig'),
          ];
    expect(openssl(verify)).toMatch(/Verified OK|Signature Verified Successfully/);
    if (algorithm === 'sm2') {
      // Signed with the GM/T 0009 ID: OpenSSL's own default (an empty ID) and another ID do not verify.
      const noId = verify.filter((a) => !a.startsWith('distid:') && a !== '-pkeyopt');
      expect(opensslStatus(noId).status).not.toBe(0);
      expect(opensslStatus([...noId, '-pkeyopt', 'distid:ALICE123@YAHOO.COM']).status).not.toBe(0);
    }
    // A changed byte fails openssl too.
    fs.writeFileSync(tmp.file('payload'), row.payload.replace('急性', '慢性'));
    expect(opensslStatus(verify).status).not.toBe(0);
  });

  it("a signature openssl makes with the signer's key verifies in the server's code", async () => {
    const unlocked = await unlockSigner({ db: t.db, config: t.config }, cardio.userId, PIN);
    fs.writeFileSync(tmp.file('key.pem'), unlocked.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const msg = Buffer.from('报告 report 2026', 'utf8');
    fs.writeFileSync(tmp.file('msg'), msg);
    const args =
      algorithm === 'p256'
        ? ['dgst', '-sha256', '-sign', tmp.file('key.pem'), '-out', tmp.file('osig'), tmp.file('msg')]
        : [
            'pkeyutl',
            '-sign',
            '-inkey',
            tmp.file('key.pem'),
            '-rawin',
            ...(algorithm === 'sm2' ? ['-digest', 'sm3', '-pkeyopt', `distid:${SM2_DEFAULT_ID}`] : []),
            '-in',
            tmp.file('msg'),
            '-out',
            tmp.file('osig'),
          ];
    openssl(args);
    const pub = new crypto.X509Certificate(unlocked.certificatePem).publicKey;
    const osig = fs.readFileSync(tmp.file('osig'));
    expect(verifyBytes(algorithm, pub, msg, osig)).toBe(true);
    expect(verifyBytes(algorithm, pub, Buffer.from('other'), osig)).toBe(false);
  });
});

describe('certificates the internal CA issues are DER that OpenSSL accepts', () => {
  // A random serial starting with a zero byte is an INTEGER with illegal padding: OpenSSL refused about 1 in 256
  // certificates, so 1 enrolment in 256 answered 500. Enough certificates here to meet that case (p ≈ 0.98).
  it.each(['ed25519', 'p256'] as const)('1000 %s certificates all parse', (algorithm) => {
    const key =
      algorithm === 'p256'
        ? crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : crypto.generateKeyPairSync('ed25519');
    const refused: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const pem = issueCertificate({
        algorithm,
        subject: buildName({ cn: `serial ${i}` }),
        subjectPublicKey: key.publicKey,
        issuerKey: key.privateKey,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
        ca: false,
      });
      try {
        const cert = new crypto.X509Certificate(pem);
        expect(cert.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
      } catch (e) {
        refused.push(`${i}: ${(e as Error).message}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
