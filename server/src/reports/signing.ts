/**
 * Report signatures: Ed25519 (node:crypto) with one key per deployment: REPORT_SIGNING_KEY (PKCS#8 PEM) or the
 * deployment_keys row `report-signing-ed25519` (secrets/deployment-keys.ts: created by the first node that starts,
 * the same for every node, sealed with SECRETS_KEY when set). What is signed is the canonical JSON of the signed payload: keys sorted at every level,
 * no whitespace, UTF-8.
 */
import crypto from 'node:crypto';
import type { Executor } from '../db/database';
import { deploymentKey, type KeySource } from '../secrets/deployment-keys';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deterministic JSON: object keys sorted (by UTF-16 code unit, like Array.sort), arrays kept in order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
}

export interface SigningKey {
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  publicKeyPem: string;
  /** sha256 of the SubjectPublicKeyInfo DER, hex. */
  fingerprint: string;
}

const PRIVATE_FILE = 'report-signing-ed25519.pem';

/** The signing key of an Ed25519 private key. */
export function toKey(privateKey: crypto.KeyObject): SigningKey {
  const publicKey = crypto.createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: crypto.createHash('sha256').update(der).digest('hex'),
  };
}

/**
 * The deployment's key: REPORT_SIGNING_KEY, else the deployment's row, created when absent unless `create` is
 * false (the verify CLI: null when this deployment never had a key).
 */
export async function loadOrCreateSigningKey(
  db: Executor,
  src: KeySource & { reportSigningKeyPem: string | null },
  create = true,
): Promise<SigningKey | null> {
  const pem =
    src.reportSigningKeyPem ??
    (await deploymentKey(db, src, {
      name: 'report-signing-ed25519',
      legacyFile: PRIVATE_FILE,
      ...(create && {
        create: () =>
          crypto
            .generateKeyPairSync('ed25519')
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
      }),
    }));
  return pem === null ? null : toKey(crypto.createPrivateKey(pem));
}

export function signCanonical(key: SigningKey, canonical: string): string {
  return crypto.sign(null, Buffer.from(canonical, 'utf8'), key.privateKey).toString('base64');
}

export function verifyCanonical(
  publicKey: crypto.KeyObject,
  canonical: string,
  signatureB64: string,
): boolean {
  try {
    return crypto.verify(
      null,
      Buffer.from(canonical, 'utf8'),
      publicKey,
      Buffer.from(signatureB64, 'base64'),
    );
  } catch {
    return false;
  }
}
