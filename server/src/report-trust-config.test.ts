/** TSA and PDF-signing configuration: defaults, and each bad value stops the start naming the variable. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('report trust configuration', () => {
  const base = { LOG_LEVEL: 'silent' };

  it('defaults to no TSA and the deployment certificate', () => {
    expect(loadConfig(base).reportTrust).toEqual({
      tsaUrl: null,
      tsaCaCert: null,
      tsaTimeoutMs: 10_000,
      tsaRetrySeconds: 60,
      tsaMaxAttempts: 20,
      pdfSigningCert: null,
      pdfSigningKey: null,
    });
  });

  it('refuses bad values with the variable named', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trust-cfg-')), 'ca.pem');
    fs.writeFileSync(file, '');
    const bad: [Record<string, string>, RegExp][] = [
      [{ TSA_URL: 'not a url' }, /TSA_URL is not a valid URL/],
      [{ TSA_URL: 'ftp://tsa.example.org/' }, /TSA_URL must use http: or https:/],
      [{ TSA_CA_CERT: '/nonexistent/ca.pem' }, /TSA_CA_CERT names a file that does not exist/],
      [{ TSA_TIMEOUT_MS: '5' }, /TSA_TIMEOUT_MS must be an integer between 100 and 120000/],
      [{ TSA_MAX_ATTEMPTS: '0' }, /TSA_MAX_ATTEMPTS/],
      [{ PDF_SIGNING_CERT: file }, /PDF_SIGNING_CERT and PDF_SIGNING_KEY go together/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, ...env })).toThrow(message);
    }
    expect(
      loadConfig({ ...base, TSA_URL: 'https://tsa.example.org/tsr', TSA_CA_CERT: file }).reportTrust,
    ).toMatchObject({ tsaUrl: 'https://tsa.example.org/tsr', tsaCaCert: file });
  });
});
