/**
 * Who the client is: X-Forwarded-For counts only from configured proxies (TRUST_PROXY), so rotating the header
 * does not escape the login rate limit and does not put invented addresses in the audit log; behind a configured
 * proxy the forwarded address is the client. And every refused sign-in answers alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../testing/harness';

const login = (t: TestApp, remoteAddress: string, username: string, password: string, xff?: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress,
    headers: xff ? { 'x-forwarded-for': xff } : {},
    payload: { username, password },
  });

const auditIps = async (t: TestApp, entityId: string) =>
  (
    await t.db
      .selectFrom('audit_events')
      .select('ip')
      .where('action', '=', 'auth.login')
      .where('entity_id', '=', entityId)
      .orderBy('seq')
      .execute()
  ).map((r) => r.ip);

describe('an untrusted peer (no TRUST_PROXY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite', { loginRateLimit: 3 });
  });
  afterAll(() => t.close());

  it('gets 429 after the limit however it rotates X-Forwarded-For, and the audit log has its real address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push(
        (await login(t, '192.0.2.7', 'rotating.xff', 'whatever-1', `198.51.100.${i + 1}`)).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 429, 429, 429]);
    expect(await auditIps(t, 'rotating.xff')).toEqual(['192.0.2.7', '192.0.2.7', '192.0.2.7']);
  });
});

describe('behind a configured proxy (TRUST_PROXY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite', { loginRateLimit: 3, trustProxy: ['192.0.2.0/24'] });
  });
  afterAll(() => t.close());

  it('keys the rate limit and the audit log on the forwarded client address', async () => {
    // Two clients behind the same proxy: each has its own budget.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 4; i++) {
      a.push((await login(t, '192.0.2.10', 'behind.proxy', 'whatever-1', '203.0.113.1')).statusCode);
      b.push((await login(t, '192.0.2.10', 'behind.proxy', 'whatever-1', '203.0.113.2')).statusCode);
    }
    expect(a).toEqual([401, 401, 401, 429]);
    expect(b).toEqual([401, 401, 401, 429]);
    const ips = await auditIps(t, 'behind.proxy');
    expect(ips.filter((ip) => ip === '203.0.113.1')).toHaveLength(3);
    expect(ips.filter((ip) => ip === '203.0.113.2')).toHaveLength(3);
  });

  it('ignores X-Forwarded-For from a peer that is not a configured proxy', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push(
        (await login(t, '198.51.100.99', 'not.proxy', 'whatever-1', `203.0.113.${50 + i}`)).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 401, 429]);
    expect(await auditIps(t, 'not.proxy')).toEqual(['198.51.100.99', '198.51.100.99', '198.51.100.99']);
  });
});

describe('refused sign-ins all answer alike', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite', { loginRateLimit: 1000, loginMaxFailures: 2 });
  });
  afterAll(() => t.close());

  it('unknown user, wrong password and locked account: same status, same body', async () => {
    const unknown = await login(t, '192.0.2.1', 'no.such.doctor', 'Demo-2026-consult');
    const wrong = await login(t, '192.0.2.1', 'yonghe.doctor', 'not-the-password');
    await login(t, '192.0.2.1', 'yonghe.doctor', 'not-the-password'); // second failure: locked for this client
    const locked = await login(t, '192.0.2.1', 'yonghe.doctor', 'Demo-2026-consult');
    for (const r of [unknown, wrong, locked]) {
      expect(r.statusCode).toBe(401);
      expect(r.body).toBe(unknown.body);
    }
    // The account itself was not locked for everyone.
    expect((await login(t, '192.0.2.2', 'yonghe.doctor', 'Demo-2026-consult')).statusCode).toBe(200);
  });
});
