/**
 * Configuration of storage and deployment secrets (STORAGE_DIR, SECRETS_KEY, REPORT_SIGNING_KEY), read by
 * loadConfig (config.ts) and kept here so that file stays small.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { ConfigError, type Config } from './config';

export interface OpsConfig {
  /**
   * Directory of the platform's files (DICOM blobs, attachments, recordings, report PDFs) that every node of a
   * deployment mounts (STORAGE_DIR; null → DATA_DIR, one node). DATA_DIR stays node-local (embedded database,
   * recording work files).
   */
  storageDir: string | null;
  /**
   * Master key sealing the secrets kept in the database (SECRETS_KEY, >= 32 characters): the deployment keys'
   * private halves and the users' TOTP secrets are AES-256-GCM encrypted with a key derived from it.
   */
  secretsKey: string | null;
  /** The deployment's report-signing key as a PKCS#8 PEM (REPORT_SIGNING_KEY); null → the deployment_keys table. */
  reportSigningKeyPem: string | null;
}

export function loadOpsConfig(env: NodeJS.ProcessEnv): OpsConfig {
  const secretsKey = env.SECRETS_KEY || null;
  if (secretsKey !== null && secretsKey.length < 32) {
    throw new ConfigError('SECRETS_KEY must be at least 32 characters (a random secret)');
  }
  const pem = env.REPORT_SIGNING_KEY?.trim() || null;
  if (pem) {
    let ok = false;
    try {
      ok = crypto.createPrivateKey(pem).asymmetricKeyType === 'ed25519';
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('REPORT_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM');
  }
  return {
    storageDir: env.STORAGE_DIR ? path.resolve(env.STORAGE_DIR) : null,
    secretsKey,
    reportSigningKeyPem: pem,
  };
}

/** The directory files are stored in: STORAGE_DIR, else DATA_DIR. */
export const storageDirOf = (config: Pick<Config, 'dataDir' | 'storageDir'>): string =>
  config.storageDir ?? config.dataDir;
