/**
 * Per-signer signing keys: enrolment (a key generated here, certificate from the internal CA), import of the
 * hospital CA's PKCS#12, and `unlockSigner` — the one way to use a signer's private key, which needs
 * the signing PIN (wrong PINs count toward a lockout). Used by report signing and by the PDF (PAdES) signer.
 * Revocation (by the owner or a users' administrator) and the internal CA's CRL: revocation.ts, crl.ts.
 */
import crypto from 'node:crypto';
import type { MySigningKey, SignerKey } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import type { Config } from '../config';
import { recordAudit } from '../audit/service';
import { badRequest, conflict, DomainError } from '../errors';
import * as q from './queries';
import type { SignerKeyRow } from './tables';
import { loadOrCreateInternalCa } from './ca';
import type { KeySource } from '../secrets/deployment-keys';
import { openKey, sealKey, type SealedKey } from './pin';
import { readPkcs12, Pkcs12Error } from './pkcs12';
import { chainToAnchor, trustAnchors, validAt } from './trust';
import {
  algorithmOfKey,
  buildName,
  certFingerprint,
  generateKey,
  issueCertificate,
  normaliseKey,
  toPem,
  type SignerAlgorithm,
} from './x509';

export interface SignersCtx {
  db: DB;
  config: Config;
}

const oneLine = (dn: string) => dn.replace(/\n/g, ', ');

export function toSignerKey(r: SignerKeyRow): SignerKey {
  return {
    id: r.id,
    algorithm: r.algorithm as SignerAlgorithm,
    source: r.source,
    subject: r.subject,
    issuer: r.issuer,
    serial: r.serial,
    notBefore: r.not_before.toISOString(),
    notAfter: r.not_after.toISOString(),
    fingerprint: r.fingerprint,
    certificatePem: r.certificate_pem,
    chainPem: JSON.parse(r.chain_pem) as string[],
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
    revocationReason: r.revocation_reason,
    revocationCode: (r.revocation_code as SignerKey['revocationCode']) ?? null,
    lockedUntil: r.locked_until && r.locked_until > new Date() ? r.locked_until.toISOString() : null,
  };
}

export async function mySigningKey(ctx: SignersCtx, actor: Actor): Promise<MySigningKey> {
  const rows = await q.keysOf(ctx.db, actor.id);
  return {
    deploymentAlgorithm: ctx.config.signers.algorithm,
    keyRequired: ctx.config.signers.keyRequired,
    active: rows.find((r) => !r.revoked_at) ? toSignerKey(rows.find((r) => !r.revoked_at)!) : null,
    history: rows.filter((r) => r.revoked_at).map(toSignerKey),
  };
}

async function store(
  ctx: SignersCtx,
  actor: Actor,
  source: SignerKeyRow['source'],
  key: crypto.KeyObject,
  cert: crypto.X509Certificate,
  chain: crypto.X509Certificate[],
  pin: string,
): Promise<SignerKey> {
  const algorithm = algorithmOfKey(key)!;
  return ctx.db.transaction().execute(async (trx) => {
    if (await q.activeKey(trx, actor.id))
      throw conflict('you already have a signing key; revoke it before enrolling another');
    let row: SignerKeyRow;
    try {
      row = await q.insertKey(trx, {
        id: crypto.randomUUID(),
        user_id: actor.id,
        algorithm,
        source,
        certificate_pem: toPem(cert.raw),
        chain_pem: JSON.stringify(chain.map((c) => toPem(c.raw))),
        fingerprint: certFingerprint(cert),
        subject: oneLine(cert.subject),
        issuer: oneLine(cert.issuer),
        serial: cert.serialNumber,
        not_before: new Date(cert.validFrom),
        not_after: new Date(cert.validTo),
        sealed_key: JSON.stringify(sealKey(key, pin)),
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505')
        throw conflict('this certificate is already enrolled (or you enrolled another key a moment ago)');
      throw e;
    }
    await recordAudit(trx, {
      actor,
      action: source === 'pkcs12' ? 'signer.import' : 'signer.enrol',
      entityType: 'signer_key',
      entityId: row.id,
      ip: actor.ip,
      detail: { algorithm, fingerprint: row.fingerprint, subject: row.subject, issuer: row.issuer },
    });
    return toSignerKey(row);
  });
}

/** Generate a key of the deployment's algorithm and have the internal CA certify it. */
export async function enrol(ctx: SignersCtx, actor: Actor, pin: string): Promise<SignerKey> {
  if (await q.activeKey(ctx.db, actor.id))
    throw conflict('you already have a signing key; revoke it before enrolling another');
  const a = ctx.config.signers.algorithm;
  const ca = await loadOrCreateInternalCa(ctx.db, keySource(ctx.config), a);
  const who = await q.signerFacts(ctx.db, actor.id);
  const key = generateKey(a);
  const now = new Date();
  const certPem = issueCertificate({
    algorithm: a,
    subject: buildName({ cn: `${who.display_name} (${who.username})`, o: who.name_zh ?? null }),
    subjectPublicKey: crypto.createPublicKey(key),
    issuerCertPem: ca.certificatePem,
    issuerKey: ca.privateKey,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + ctx.config.signers.certDays * 86_400_000),
    ca: false,
    crlUrl: crlUrl(ctx.config, a),
  });
  return store(ctx, actor, 'internal_ca', key, new crypto.X509Certificate(certPem), [ca.certificate], pin);
}

const P12_MESSAGES: Record<Pkcs12Error['code'], string> = {
  malformed: 'the file is not a PKCS#12 (.p12/.pfx) file',
  password: 'the PKCS#12 password is not correct',
  unsupported: 'the PKCS#12 file uses a format this server does not read',
  no_key: 'the PKCS#12 file must hold exactly one private key',
  no_certificate: 'the PKCS#12 file holds no certificate',
};

/** Import the hospital CA's PKCS#12: its key (re-sealed under the PIN), certificate and chain. */
export async function importPkcs12(
  ctx: SignersCtx,
  actor: Actor,
  body: { pkcs12Base64: string; password: string; pin: string },
): Promise<SignerKey> {
  let contents;
  try {
    contents = readPkcs12(Buffer.from(body.pkcs12Base64, 'base64'), body.password);
  } catch (e) {
    if (!(e instanceof Pkcs12Error)) throw e;
    const field = e.code === 'password' ? '/body/password' : '/body/pkcs12Base64';
    throw badRequest(`${P12_MESSAGES[e.code]}: ${e.message}`, field);
  }
  const key = normaliseKey(contents.privateKey);
  const algorithm = algorithmOfKey(key);
  if (!algorithm)
    throw badRequest(
      'the key is not Ed25519, ECDSA P-256 or SM2; it cannot sign reports',
      '/body/pkcs12Base64',
    );
  const certs = contents.certificates.map((d) => new crypto.X509Certificate(d));
  const leaf = certs.find((c) => c.checkPrivateKey(contents.privateKey));
  if (!leaf) throw badRequest('no certificate in the file belongs to its private key', '/body/pkcs12Base64');
  if (leaf.ca) throw badRequest('the certificate is a CA certificate, not a signer’s', '/body/pkcs12Base64');
  if (!validAt(leaf, new Date()))
    throw badRequest(
      `the certificate is not valid now (valid ${new Date(leaf.validFrom).toISOString()} – ${new Date(leaf.validTo).toISOString()})`,
      '/body/pkcs12Base64',
    );
  const pool = certs.filter((c) => c !== leaf);
  const chain = chainToAnchor(
    leaf,
    pool,
    await trustAnchors(ctx.db, keySource(ctx.config), ctx.config.signers),
  );
  if (!chain)
    throw badRequest(
      'the certificate is not issued by a CA this deployment trusts (add its root to SIGNER_TRUST_ANCHORS)',
      '/body/pkcs12Base64',
    );
  return store(ctx, actor, 'pkcs12', key, leaf, chain, body.pin);
}

export interface UnlockedSigner {
  keyId: string;
  algorithm: SignerAlgorithm;
  certificatePem: string;
  /** The issuing chain, nearest issuer first, up to the root. */
  chainPem: string[];
  /** sha256 of the certificate DER (hex). */
  fingerprint: string;
  privateKey: crypto.KeyObject;
}

/**
 * The signer's private key, opened with the PIN. Refused (4xx naming why): no key enrolled (`no_key` → 409), locked
 * after too many wrong PINs (423), certificate not valid now (409), wrong PIN (400 on /body/pin, counted).
 */
export async function unlockSigner(
  ctx: SignersCtx & { actor?: Actor },
  userId: string,
  pin: string,
): Promise<UnlockedSigner> {
  const row = await q.activeKey(ctx.db, userId);
  if (!row) throw conflict('you have no signing key; enrol one (Security → Signing key) before signing');
  const now = new Date();
  if (row.locked_until && row.locked_until > now)
    throw new DomainError(
      'locked',
      `the signing key is locked after too many wrong PINs until ${row.locked_until.toISOString()}`,
    );
  if (now < row.not_before || now > row.not_after)
    throw conflict(
      `your signing certificate is not valid now (valid ${row.not_before.toISOString()} – ${row.not_after.toISOString()}); enrol a new key`,
    );
  const key = openKey(JSON.parse(row.sealed_key) as SealedKey, pin);
  if (!key) {
    const max = ctx.config.signers.pinMaxFailures;
    const after = await q.countWrongPin(
      ctx.db,
      row.id,
      max,
      new Date(now.getTime() + ctx.config.signers.pinLockMinutes * 60_000),
    );
    if (ctx.actor)
      await recordAudit(ctx.db, {
        actor: ctx.actor,
        action: 'signer.unlock',
        entityType: 'signer_key',
        entityId: row.id,
        outcome: 'denied',
        ip: ctx.actor.ip,
        detail: { why: 'pin', locked: after.failed_pins === 0 },
      });
    if (after.failed_pins === 0)
      throw new DomainError(
        'locked',
        `the signing PIN is not correct; the key is locked until ${after.locked_until!.toISOString()}`,
      );
    throw badRequest(
      `the signing PIN is not correct (${max - after.failed_pins} tries left before the key locks)`,
      '/body/pin',
    );
  }
  if (row.failed_pins > 0 || row.locked_until) await q.clearWrongPins(ctx.db, row.id);
  return {
    keyId: row.id,
    algorithm: row.algorithm as SignerAlgorithm,
    certificatePem: row.certificate_pem,
    chainPem: JSON.parse(row.chain_pem) as string[],
    fingerprint: row.fingerprint,
    privateKey: key,
  };
}

export async function hasActiveKey(db: DB, userId: string): Promise<boolean> {
  return !!(await q.activeKey(db, userId));
}

/** The internal CA root of the deployment's algorithm (created when absent). */
export async function internalCaRoot(db: Executor, config: Config) {
  const ca = await loadOrCreateInternalCa(db, keySource(config), config.signers.algorithm);
  return {
    algorithm: ca.algorithm,
    certificatePem: ca.certificatePem,
    fingerprint: certFingerprint(ca.certificate),
  };
}

/** Registered signer keys by certificate fingerprint (chain and revocation), for verification. */
export async function registeredKeys(
  db: Executor,
  fingerprints: string[],
): Promise<Map<string, SignerKeyRow>> {
  const rows = await q.keysByFingerprint(db, [...new Set(fingerprints)]);
  return new Map(rows.map((r) => [r.fingerprint, r]));
}

/** Where the internal CA of `a` publishes its CRL (CRL Distribution Points of the certificates it issues). */
export const crlUrl = (config: Pick<Config, 'publicUrl'>, a: SignerAlgorithm) =>
  `${config.publicUrl.replace(/\/+$/, '')}/api/signers/ca/crl?algorithm=${a}`;

/** Where deployment keys come from (the internal CA's among them). */
export const keySource = (config: Pick<Config, 'dataDir' | 'secretsKey'>): KeySource => ({
  dataDir: config.dataDir,
  secretsKey: config.secretsKey,
});
