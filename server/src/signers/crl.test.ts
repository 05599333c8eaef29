/**
 * The internal signer CA's CRL, checked with the real openssl as an outside verifier would: the CRL's signature
 * against the CA root from GET /api/signers/ca, the revoked doctor's certificate refused with "certificate revoked",
 * a colleague's accepted; the reason code, CRL number and nextUpdate as openssl prints them; the CRL Distribution
 * Point in the certificates the CA issues. For every CA algorithm (see the SM2 note below).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MySigningKey, SignerCa } from '@consult/shared';
import { makeTestApp, testConfig, type Session, type TestApp } from '../testing/harness';
import { openssl, opensslStatus, PIN, tempDir } from './fixtures.test-helper';
import { CRL_VALIDITY_DAYS } from './crl';
import { readInternalCa } from './ca';
import { keySource } from './service';
import { sm2Sign, sm2Verify } from './sm2';
import { normalisePublicKey, type SignerAlgorithm } from './x509';

const tmp = tempDir();
afterAll(() => tmp.close());

describe.each(['p256', 'ed25519', 'sm2'] as SignerAlgorithm[])('CRL of the internal %s CA', (algorithm) => {
  let t: TestApp;
  let cardio: Session;
  let nephro: Session;
  let program: Session;
  const f = (n: string) => tmp.file(`${algorithm}-${n}`);
  /** SM2 certificates and CRLs carry the GM/T 0009 default ID; openssl 3.0's `verify` is told with -vfyopt. */
  const sm2Opts = algorithm === 'sm2' ? ['-vfyopt', 'distid:1234567812345678'] : [];

  beforeAll(async () => {
    const base = testConfig();
    t = await makeTestApp('pglite', {
      publicUrl: 'https://consult.example.org',
      signers: { ...base.signers, algorithm },
    });
    [cardio, nephro, program] = (await Promise.all(
      ['pku.cardio', 'pku.nephro', 'program'].map((u) => t.login(u)),
    )) as [Session, Session, Session];
    for (const [who, name] of [
      [cardio, 'cardio'],
      [nephro, 'nephro'],
    ] as const) {
      const res = await t.as(who, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
      expect(res.statusCode).toBe(200);
      fs.writeFileSync(f(`${name}.pem`), (res.json() as { certificatePem: string }).certificatePem);
    }
    const ca = (await t.app.inject({ method: 'GET', url: '/api/signers/ca' })).json() as SignerCa;
    fs.writeFileSync(f('ca.pem'), ca.certificatePem);
    const key = ((await t.as(cardio, { method: 'GET', url: '/api/signers/me' })).json() as MySigningKey)
      .active!;
    const revoked = await t.as(program, {
      method: 'POST',
      url: `/api/signers/keys/${key.id}/admin-revoke`,
      payload: { reason: '设备丢失', reasonCode: 'keyCompromise' },
    });
    expect(revoked.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  /** Fetch the CRL anonymously (it is public) and store it as DER and PEM. */
  async function fetchCrl(name: string) {
    const res = await t.app.inject({ method: 'GET', url: '/api/signers/ca/crl' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pkix-crl');
    fs.writeFileSync(f(`${name}.der`), res.rawPayload);
    openssl(['crl', '-inform', 'DER', '-in', f(`${name}.der`), '-out', f(`${name}.pem`)]);
    return openssl(['crl', '-inform', 'DER', '-in', f(`${name}.der`), '-noout', '-text']);
  }

  it('is an X.509 v2 CRL listing the revoked certificate with its reason, a CRL number and nextUpdate', async () => {
    const text = await fetchCrl('crl');
    const serial = openssl(['x509', '-in', f('cardio.pem'), '-noout', '-serial'])
      .trim()
      .split('=')[1]!;
    const other = openssl(['x509', '-in', f('nephro.pem'), '-noout', '-serial'])
      .trim()
      .split('=')[1]!;
    expect(text).toMatch(/Version 2 \(0x1\)/);
    expect(text).toContain(`Issuer: O = Consult platform, CN = Consult internal signer CA (${algorithm})`);
    expect(text).toContain(`Serial Number: ${serial}`);
    expect(text).not.toContain(other);
    expect(text).toMatch(/CRL Reason Code:\s*\n\s*Key Compromise/);
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*\d+/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    const field = (name: string) => new Date(text.match(new RegExp(`${name}: (.+)`))![1]!).getTime();
    expect(field('Next Update') - field('Last Update')).toBe(CRL_VALIDITY_DAYS * 86_400_000);
    expect(Math.abs(field('Last Update') - Date.now())).toBeLessThan(60_000);
    // Each CRL the CA signs has a larger number than the one before.
    const number = (s: string) => BigInt(s.match(/X509v3 CRL Number:\s*\n\s*(\d+)/)![1]!);
    expect(number(await fetchCrl('crl2'))).toBeGreaterThan(number(text));
  });

  it('names the CRL in the certificates the CA issues (CRL Distribution Points)', () => {
    const ext = openssl(['x509', '-in', f('nephro.pem'), '-noout', '-ext', 'crlDistributionPoints']);
    expect(ext).toContain(`URI:https://consult.example.org/api/signers/ca/crl?algorithm=${algorithm}`);
  });

  if (algorithm !== 'sm2') {
    it('openssl verifies the CRL against the CA root, refuses the revoked certificate, accepts the other', () => {
      const crl = opensslStatus([
        'crl',
        '-inform',
        'DER',
        '-in',
        f('crl.der'),
        '-CAfile',
        f('ca.pem'),
        '-noout',
      ]);
      expect(crl).toMatchObject({ status: 0, out: expect.stringContaining('verify OK') });
      const check = (cert: string) =>
        opensslStatus(['verify', '-crl_check', '-CAfile', f('ca.pem'), '-CRLfile', f('crl.pem'), f(cert)]);
      const revoked = check('cardio.pem');
      expect(revoked.status).not.toBe(0);
      expect(revoked.out).toContain('certificate revoked');
      expect(check('nephro.pem')).toMatchObject({ status: 0, out: expect.stringContaining(': OK') });
    });
  } else {
    it('SM2: signed with the GM/T 0009 ID, which openssl 3.0 cannot be told for a CRL; otherwise sound', async () => {
      // openssl 3.0 offers no way to give a CRL's signature check a distinguishing ID (certificates take -vfyopt
      // distid:…, CRLs ignore it), so it checks with an empty ID: "verify failure", and `verify -crl_check`
      // stops at "CRL signature failure" for every certificate. The CA's own certificates verify.
      const crl = opensslStatus([
        'crl',
        '-inform',
        'DER',
        '-in',
        f('crl.der'),
        '-CAfile',
        f('ca.pem'),
        '-noout',
      ]);
      expect(crl.out).toContain('verify failure');
      const crlCheck = opensslStatus([
        'verify',
        ...sm2Opts,
        '-crl_check',
        '-CAfile',
        f('ca.pem'),
        '-CRLfile',
        f('crl.pem'),
        f('nephro.pem'),
      ]);
      expect(crlCheck.out).toContain('CRL signature failure');
      const plain = opensslStatus(['verify', ...sm2Opts, '-CAfile', f('ca.pem'), f('nephro.pem')]);
      expect(plain).toMatchObject({ status: 0, out: expect.stringContaining(': OK') });
      // The signature is right under the GM/T 0009 ID (our SM2 code, as for certificates) ...
      const der = fs.readFileSync(f('crl.der'));
      const parsed = AsnConvert.parse(der, CertificateList);
      const tbs = Buffer.from(AsnConvert.serialize(parsed.tbsCertList));
      const caPub = new crypto.X509Certificate(fs.readFileSync(f('ca.pem'))).publicKey;
      expect(sm2Verify(normalisePublicKey(caPub), tbs, Buffer.from(parsed.signature))).toBe(true);
      // ... and the same CRL signed with an empty ID is one openssl accepts: only the ID differs.
      const ca = (await readInternalCa(t.db, keySource(t.config), 'sm2'))!;
      const emptyId = new CertificateList({
        tbsCertList: parsed.tbsCertList,
        signatureAlgorithm: parsed.signatureAlgorithm,
        signature: new Uint8Array(sm2Sign(ca.privateKey, tbs, '')).buffer,
      });
      fs.writeFileSync(f('crl-empty-id.der'), Buffer.from(AsnConvert.serialize(emptyId)));
      const ok = opensslStatus([
        'crl',
        '-inform',
        'DER',
        '-in',
        f('crl-empty-id.der'),
        '-CAfile',
        f('ca.pem'),
        '-noout',
      ]);
      expect(ok.out).toContain('verify OK');
    });
  }
});
