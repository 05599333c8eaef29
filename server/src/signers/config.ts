/**
 * Per-signer keys, read from the environment (validated like the rest of config.ts):
 * SIGNATURE_ALGORITHM   p256 | ed25519 | sm2 (default p256): the algorithm of keys enrolled from now on. Only
 *                       P-256 keys also sign the report PDF as the doctor (PDF readers verify no Ed25519 or SM2).
 * SIGNER_CERT_DAYS      validity of certificates the internal CA issues (default 730).
 * SIGNER_PIN_MAX_FAILURES / SIGNER_PIN_LOCK_MINUTES   wrong signing PINs before the key locks, and for how long.
 * SIGNER_TRUST_ANCHORS  a PEM file of hospital CA roots whose certificates (PKCS#12 import) are accepted.
 * SIGNER_KEY_REQUIRED   true: a report is signed only with the author's own key; false (default, the transition):
 *                       authors without a key still sign with their password under the deployment key.
 */
import fs from 'node:fs';
import { ConfigError } from '../config';
import { SIGNER_ALGORITHMS, type SignerAlgorithm } from './x509';

export interface SignerConfig {
  algorithm: SignerAlgorithm;
  certDays: number;
  pinMaxFailures: number;
  pinLockMinutes: number;
  /** PEM certificates (roots) of outside CAs; empty: only the internal CA. */
  trustAnchorsPem: string[];
  keyRequired: boolean;
}

const fail = (m: string) => {
  throw new ConfigError(m);
};

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

export function loadSignerConfig(env: NodeJS.ProcessEnv): SignerConfig {
  const algorithm = (env.SIGNATURE_ALGORITHM || 'p256').toLowerCase();
  if (!(SIGNER_ALGORITHMS as readonly string[]).includes(algorithm))
    fail(`SIGNATURE_ALGORITHM must be one of ${SIGNER_ALGORITHMS.join(', ')}, got "${algorithm}"`);
  const anchorsFile = env.SIGNER_TRUST_ANCHORS;
  let trustAnchorsPem: string[] = [];
  if (anchorsFile) {
    if (!fs.existsSync(anchorsFile)) fail(`SIGNER_TRUST_ANCHORS: no file ${anchorsFile}`);
    trustAnchorsPem = splitPem(fs.readFileSync(anchorsFile, 'utf8'));
    if (!trustAnchorsPem.length) fail(`SIGNER_TRUST_ANCHORS: ${anchorsFile} holds no PEM certificate`);
  }
  const keyRequired = env.SIGNER_KEY_REQUIRED ?? 'false';
  if (!['true', 'false'].includes(keyRequired))
    fail(`SIGNER_KEY_REQUIRED must be true or false, got "${keyRequired}"`);
  return {
    algorithm: algorithm as SignerAlgorithm,
    certDays: int(env, 'SIGNER_CERT_DAYS', 730, 1, 3650),
    pinMaxFailures: int(env, 'SIGNER_PIN_MAX_FAILURES', 5, 1, 100),
    pinLockMinutes: int(env, 'SIGNER_PIN_LOCK_MINUTES', 15, 1, 24 * 60),
    trustAnchorsPem,
    keyRequired: keyRequired === 'true',
  };
}
