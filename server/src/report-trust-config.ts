/**
 * Configuration of trusted time and signed PDFs (issue 17b), read with the rest of the configuration
 * (config.ts) and validated with clear messages:
 * - TSA_URL: RFC 3161 time-stamping authority (http/https); absent → reports say "no trusted timestamp".
 * - TSA_CA_CERT: PEM file of the certificate(s) the TSA's certificate must chain to; absent → the TSA at TSA_URL
 *   is believed whatever certificate it presents (its token's signature and timeStamping purpose still checked).
 * - TSA_TIMEOUT_MS (default 10000), TSA_RETRY_SECONDS (first retry delay, doubling, default 60; 0 stops the
 *   background retry), TSA_MAX_ATTEMPTS (default 20): a signature whose timestamp is pending is retried in the
 *   background until it gets one or the attempts run out.
 * - PDF_SIGNING_CERT + PDF_SIGNING_KEY: PEM files of the certificate (then its chain) and private key that sign
 *   report PDFs; absent → a self-signed P-256 certificate of the deployment in DATA_DIR/keys (created once).
 */
import fs from 'node:fs';
// Only called from loadConfig, after config.ts has loaded: the cycle is harmless.
import { ConfigError } from './config';

export interface ReportTrustConfig {
  tsaUrl: string | null;
  tsaCaCert: string | null;
  tsaTimeoutMs: number;
  tsaRetrySeconds: number;
  tsaMaxAttempts: number;
  pdfSigningCert: string | null;
  pdfSigningKey: string | null;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

function file(env: NodeJS.ProcessEnv, name: string): string | null {
  const v = env[name];
  if (!v) return null;
  if (!fs.existsSync(v)) throw new ConfigError(`${name} names a file that does not exist: "${v}"`);
  return v;
}

export function loadReportTrustConfig(env: NodeJS.ProcessEnv): ReportTrustConfig {
  let tsaUrl: string | null = env.TSA_URL || null;
  if (tsaUrl) {
    let u: URL;
    try {
      u = new URL(tsaUrl);
    } catch {
      throw new ConfigError(`TSA_URL is not a valid URL: "${tsaUrl}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new ConfigError(`TSA_URL must use http: or https:, got "${u.protocol}"`);
    tsaUrl = u.toString();
  }
  const pdfSigningCert = file(env, 'PDF_SIGNING_CERT');
  const pdfSigningKey = file(env, 'PDF_SIGNING_KEY');
  if (!pdfSigningCert !== !pdfSigningKey)
    throw new ConfigError('PDF_SIGNING_CERT and PDF_SIGNING_KEY go together: set both or neither');
  return {
    tsaUrl,
    tsaCaCert: file(env, 'TSA_CA_CERT'),
    tsaTimeoutMs: int(env, 'TSA_TIMEOUT_MS', 10_000, 100, 120_000),
    tsaRetrySeconds: int(env, 'TSA_RETRY_SECONDS', 60, 0, 86_400),
    tsaMaxAttempts: int(env, 'TSA_MAX_ATTEMPTS', 20, 1, 1000),
    pdfSigningCert,
    pdfSigningKey,
  };
}
