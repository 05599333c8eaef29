/**
 * Report signatures: Ed25519 (node:crypto) with one key per deployment, kept in DATA_DIR/keys (created on first
 * start, private key 0600). What is signed is the canonical JSON of the signed payload: keys sorted at every level,
 * no whitespace, UTF-8.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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
const PUBLIC_FILE = 'report-signing-ed25519.pub.pem';

export const keysDir = (dataDir: string) => path.join(dataDir, 'keys');

function toKey(privateKey: crypto.KeyObject): SigningKey {
  const publicKey = crypto.createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: crypto.createHash('sha256').update(der).digest('hex'),
  };
}

/** Load the deployment's key, creating it (0600, directory 0700) when absent. */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const dir = keysDir(dataDir);
  const file = path.join(dir, PRIVATE_FILE);
  if (fs.existsSync(file)) {
    return toKey(crypto.createPrivateKey(fs.readFileSync(file)));
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    // 'wx': never overwrite a key another process created a moment ago.
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return toKey(crypto.createPrivateKey(fs.readFileSync(file)));
    throw e;
  }
  fs.chmodSync(file, 0o600);
  const key = toKey(privateKey);
  fs.writeFileSync(path.join(dir, PUBLIC_FILE), key.publicKeyPem, { mode: 0o644 });
  return key;
}

/** Load the key without creating one (the verify CLI). */
export function loadSigningKey(dataDir: string): SigningKey | null {
  const file = path.join(keysDir(dataDir), PRIVATE_FILE);
  return fs.existsSync(file) ? toKey(crypto.createPrivateKey(fs.readFileSync(file))) : null;
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
