/**
 * The RFC 3161 client against a real TSA (`openssl ts -reply`, test-tsa.test-helper.ts): a good token verifies
 * (and keeps verifying when stored), and every way an answer can be wrong is refused with its reason.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp, type TsaEndpoint } from './client';
import { loadTrust } from './trust';
import { verifyToken } from './tsp';
import { makeCa, TestTsa } from './test-tsa.test-helper';

describe('RFC 3161 client against openssl ts', () => {
  let tsa: TestTsa;
  let endpoint: TsaEndpoint;
  const data = crypto.randomBytes(64); // stands for a report's signature bytes

  beforeAll(async () => {
    tsa = await new TestTsa().init();
    await tsa.start();
    endpoint = { url: tsa.url, trust: loadTrust(tsa.caFile), timeoutMs: 10_000 };
  }, 60_000);
  afterAll(() => tsa.close());

  it('gets a token whose imprint, nonce, signature and certificate verify; openssl agrees', async () => {
    tsa.mode = 'good';
    const before = Date.now();
    const v = await requestTimestamp(endpoint, data);
    expect(v.genTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(v.genTime.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(v.tsaSubject).toContain('CN=Consult Test TSA');
    // The stored token verifies again later, and only for the bytes it stamps.
    expect(verifyToken(v.token, data, endpoint.trust).serialHex).toBe(v.serialHex);
    expect(() => verifyToken(v.token, Buffer.concat([data, Buffer.from([0])]), endpoint.trust)).toThrow(
      /message imprint differs/,
    );
    // The token is one openssl itself accepts for these bytes.
    const f = path.join(tsa.dir, 'check');
    fs.writeFileSync(`${f}.tok`, v.token);
    fs.writeFileSync(`${f}.dat`, data);
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-token_in', '-in', `${f}.tok`, '-data', `${f}.dat`, '-CAfile', tsa.caFile],
      { encoding: 'utf8' },
    );
    expect(out).toContain('Verification: OK');
  });

  it('refuses an answer with another nonce', async () => {
    tsa.mode = 'wrong-nonce';
    await expect(requestTimestamp(endpoint, data)).rejects.toThrow(/nonce differs/);
  });

  it('refuses an answer stamping another imprint', async () => {
    tsa.mode = 'wrong-imprint';
    await expect(requestTimestamp(endpoint, data)).rejects.toThrow(/message imprint differs/);
  });

  it('refuses a TSA whose certificate does not chain to the trusted CA', async () => {
    tsa.mode = 'good';
    const other = await makeCa(tsa.dir, 'other', 'Some Other Root');
    await expect(requestTimestamp({ ...endpoint, trust: loadTrust(other) }, data)).rejects.toThrow(
      /does not chain to a trusted certificate/,
    );
  });

  it('reports a TSA that is down, then works when it is back', async () => {
    tsa.mode = 'good';
    await tsa.stop();
    await expect(requestTimestamp(endpoint, data)).rejects.toThrow(/did not answer/);
    await tsa.start();
    expect((await requestTimestamp(endpoint, data)).token.length).toBeGreaterThan(100);
  });
});
