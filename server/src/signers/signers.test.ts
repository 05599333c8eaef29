/**
 * Signer keys over HTTP: enrolment with the internal CA, the PIN (missing, wrong, lockout), PKCS#12 import from a
 * hospital CA made with openssl, revocation before/after a signature, expiry.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MySigningKey, ReportVerifyResult, SignerKey } from '@consult/shared';
import { makeTestApp, testConfig, type Session, type TestApp } from '../testing/harness';
import { draftReport, openssl, PIN, sign, tempDir } from './fixtures.test-helper';
import { unlockSigner } from './service';
import { checkCertificate } from './trust';
import { buildName, generateKey, issueCertificate } from './x509';

const tmp = tempDir();
/** A hospital CA (P-256) and a signer certificate + key it issued to Prof. Chen, as a PKCS#12 file. */
function hospitalPkcs12(name: string, days = 30): { rootPem: string; p12: string } {
  const f = (n: string) => tmp.file(`${name}-${n}`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('ca.key')]);
  openssl([
    'req',
    '-new',
    '-x509',
    '-key',
    f('ca.key'),
    '-subj',
    `/O=${name}/CN=${name} Root CA`,
    '-days',
    '365',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    f('ca.pem'),
  ]);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('doc.key')]);
  openssl([
    'req',
    '-new',
    '-key',
    f('doc.key'),
    '-subj',
    '/O=北京大学第一医院/CN=陈教授',
    '-utf8',
    '-out',
    f('doc.csr'),
  ]);
  fs.writeFileSync(
    f('ext'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
  );
  openssl([
    'x509',
    '-req',
    '-in',
    f('doc.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    String(days),
    '-extfile',
    f('ext'),
    '-out',
    f('doc.pem'),
  ]);
  openssl([
    'pkcs12',
    '-export',
    '-inkey',
    f('doc.key'),
    '-in',
    f('doc.pem'),
    '-certfile',
    f('ca.pem'),
    '-passout',
    'pass:p12-secret',
    '-out',
    f('doc.p12'),
  ]);
  return {
    rootPem: fs.readFileSync(f('ca.pem'), 'utf8'),
    p12: fs.readFileSync(f('doc.p12')).toString('base64'),
  };
}

describe('signer keys', () => {
  let t: TestApp;
  let cardio: Session;
  let nephro: Session;
  const hospital = hospitalPkcs12('PKUFH');
  const rogue = hospitalPkcs12('Rogue');

  beforeAll(async () => {
    const base = testConfig();
    t = await makeTestApp('pglite', {
      signers: { ...base.signers, pinMaxFailures: 3, trustAnchorsPem: [hospital.rootPem] },
    });
    [cardio, nephro] = (await Promise.all(['pku.cardio', 'pku.nephro'].map((u) => t.login(u)))) as [
      Session,
      Session,
    ];
  });
  afterAll(async () => {
    tmp.close();
    await t?.close();
  });

  const me = async (s: Session) =>
    (await t.as(s, { method: 'GET', url: '/api/signers/me' })).json() as MySigningKey;
  const verify = async (reportId: string) =>
    (
      await t.as(cardio, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;

  it('enrols a key certified by the internal CA; the PIN is checked, never stored', async () => {
    expect((await me(cardio)).active).toBeNull();
    const short = await t.as(cardio, {
      method: 'POST',
      url: '/api/signers/me/enrol',
      payload: { pin: '123' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().message).toMatch(/pin/i);
    const res = await t.as(cardio, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
    expect(res.statusCode).toBe(200);
    const key = res.json() as SignerKey;
    expect(key).toMatchObject({ algorithm: 'p256', source: 'internal_ca', revokedAt: null });
    expect(key.subject).toContain('陈教授');
    expect(key.issuer).toContain('Consult internal signer CA');
    const again = await t.as(cardio, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
    expect(again.statusCode).toBe(409);
    const row = await t.db
      .selectFrom('signer_keys')
      .select('sealed_key')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.sealed_key).not.toContain(PIN);
    expect(row.sealed_key).not.toContain('PRIVATE KEY');
  });

  it('signing needs the PIN: missing or wrong → 400 naming it; right → signed with the certificate', async () => {
    const { reportId } = await draftReport(t, cardio);
    const none = await sign(t, cardio, reportId, { password: 'Demo-2026-consult' });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ field: '/body/pin' });
    const wrong = await sign(t, cardio, reportId, { pin: '000000000' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toMatch(/signing PIN is not correct \(2 tries left/);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    const v = await verify(reportId);
    expect(v.ok).toBe(true);
    expect(v.versions[0]!.signer).toMatchObject({
      deploymentKey: false,
      algorithm: 'ECDSA P-256 with SHA-256',
    });
    expect(v.versions[0]!.checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'signature',
        'certificate',
        'chain',
        'expiry',
        'revocation',
        'patient',
        'hospitals',
      ]),
    );
    // The right PIN cleared the count.
    const k = await t.db
      .selectFrom('signer_keys')
      .select('failed_pins')
      .where('user_id', '=', cardio.userId)
      .executeTakeFirstOrThrow();
    expect(k.failed_pins).toBe(0);
  });

  it('too many wrong PINs lock the key (423), even for the right PIN', async () => {
    await t.as(nephro, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
    const ctx = { db: t.db, config: t.config };
    await expect(unlockSigner(ctx, nephro.userId, 'wrong-1')).rejects.toMatchObject({ status: 400 });
    await expect(unlockSigner(ctx, nephro.userId, 'wrong-2')).rejects.toMatchObject({ status: 400 });
    await expect(unlockSigner(ctx, nephro.userId, 'wrong-3')).rejects.toMatchObject({
      status: 423,
      message: expect.stringMatching(/locked until/),
    });
    await expect(unlockSigner(ctx, nephro.userId, PIN)).rejects.toMatchObject({ status: 423 });
    expect((await me(nephro)).active?.lockedUntil).not.toBeNull();
  });

  it('revocation: a signature made before stays valid; one dated after is refused; no signing after', async () => {
    const before = await draftReport(t, cardio);
    expect((await sign(t, cardio, before.reportId, { pin: PIN })).statusCode).toBe(200);
    const after = await draftReport(t, cardio);
    expect((await sign(t, cardio, after.reportId, { pin: PIN })).statusCode).toBe(200);
    const key = (await me(cardio)).active!;
    const revoked = await t.as(cardio, {
      method: 'POST',
      url: `/api/signers/keys/${key.id}/revoke`,
      payload: { reason: '密钥泄露' },
    });
    expect(revoked.statusCode).toBe(200);
    const v1 = await verify(before.reportId);
    expect(v1.ok).toBe(true);
    expect(v1.versions[0]!.checks.find((c) => c.check === 'revocation')?.detail).toMatch(
      /signed before revocation/,
    );
    // The compromise is dated before the second signature: that signature is refused.
    const signedAt = (
      await t.db
        .selectFrom('report_versions')
        .select('signed_at')
        .where('report_id', '=', after.reportId)
        .executeTakeFirstOrThrow()
    ).signed_at;
    await t.db
      .updateTable('signer_keys')
      .set({ revoked_at: new Date(signedAt.getTime() - 1000) })
      .where('id', '=', key.id)
      .execute();
    const v2 = await verify(after.reportId);
    expect(v2.ok).toBe(false);
    expect(v2.versions[0]).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/after the key was revoked/),
    });
    expect(v2.versions[0]!.checks.find((c) => !c.ok)?.check).toBe('revocation');
    const next = await draftReport(t, cardio);
    const refused = await sign(t, cardio, next.reportId, { pin: PIN });
    expect(refused.statusCode).toBe(400); // no active key: the deployment-key path wants the password
    expect(refused.json().field).toBe('/body/password');
  });

  it('PKCS#12 import: wrong password and an untrusted CA are refused by name; the hospital certificate signs', async () => {
    const wrong = await t.as(cardio, {
      method: 'POST',
      url: '/api/signers/me/import',
      payload: { pkcs12Base64: hospital.p12, password: 'nope', pin: PIN },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({
      field: '/body/password',
      message: expect.stringMatching(/password is not correct/),
    });
    const untrusted = await t.as(cardio, {
      method: 'POST',
      url: '/api/signers/me/import',
      payload: { pkcs12Base64: rogue.p12, password: 'p12-secret', pin: PIN },
    });
    expect(untrusted.statusCode).toBe(400);
    expect(untrusted.json().message).toMatch(/SIGNER_TRUST_ANCHORS/);
    const ok = await t.as(cardio, {
      method: 'POST',
      url: '/api/signers/me/import',
      payload: { pkcs12Base64: hospital.p12, password: 'p12-secret', pin: PIN },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      source: 'pkcs12',
      algorithm: 'p256',
      issuer: expect.stringContaining('PKUFH Root CA'),
    });
    const { reportId } = await draftReport(t, cardio);
    expect((await sign(t, cardio, reportId, { pin: PIN })).statusCode).toBe(200);
    const v = await verify(reportId);
    expect(v.ok).toBe(true);
    expect(v.versions[0]!.signer).toMatchObject({
      algorithm: 'ECDSA P-256 with SHA-256',
      subject: expect.stringContaining('陈教授'),
    });
    expect(v.versions[0]!.checks.find((c) => c.check === 'chain')?.detail).toContain('PKUFH Root CA');
  });

  it('expiry: a certificate not valid at the signing time fails by name; an expired key cannot sign', async () => {
    const day = 86_400_000;
    const now = Date.now();
    const caKey = generateKey('ed25519');
    const caPem = issueCertificate({
      algorithm: 'ed25519',
      subject: buildName({ cn: 'test root' }),
      subjectPublicKey: crypto.createPublicKey(caKey),
      issuerKey: caKey,
      notBefore: new Date(now - 20 * day),
      notAfter: new Date(now + 20 * day),
      ca: true,
    });
    const ca = { certificatePem: caPem, certificate: new crypto.X509Certificate(caPem), privateKey: caKey };
    const key = generateKey('ed25519');
    const pem = issueCertificate({
      algorithm: 'ed25519',
      subject: buildName({ cn: 'expired' }),
      subjectPublicKey: crypto.createPublicKey(key),
      issuerCertPem: ca.certificatePem,
      issuerKey: ca.privateKey,
      notBefore: new Date(now - 10 * day),
      notAfter: new Date(now - 5 * day),
      ca: false,
    });
    const at = (d: number) =>
      checkCertificate(pem, [ca.certificatePem], [ca.certificate], new Date(now - d * day));
    expect(at(7).every((c) => c.ok)).toBe(true);
    expect(at(0).find((c) => c.check === 'expiry')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/CN=expired was not valid/),
    });
    if (!(await me(cardio)).active)
      await t.as(cardio, { method: 'POST', url: '/api/signers/me/enrol', payload: { pin: PIN } });
    await t.db
      .updateTable('signer_keys')
      .set({ not_after: new Date(now - day) })
      .where('user_id', '=', cardio.userId)
      .where('revoked_at', 'is', null)
      .execute();
    await expect(unlockSigner({ db: t.db, config: t.config }, cardio.userId, PIN)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/not valid now/),
    });
  });
});
