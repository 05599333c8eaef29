/**
 * /metrics: who may read it (token, loopback, forwarded requests), what it reports after real traffic (request
 * latency by route template, STOW bytes of an uploaded instance and its stages of ingest, socket.io connections, the PostgreSQL pool, the
 * audit chain's lag while the chain's lock is held), and request ids in responses and logs.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { SESSION_COOKIE } from '@consult/shared';
import { buildApp } from '../app';
import {
  makeTestApp,
  PG_URL,
  startTestServer,
  testConfig,
  openTestDb,
  type TestApp,
} from '../testing/harness';
import { tinyStudy } from '../imaging/benchdata';

const TOKEN = 'metrics-token-for-the-test-0123456789';

/** The value of one sample line (`name{labels} value`) whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
}

describe('metrics: access', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite', { metricsToken: TOKEN });
  });
  afterAll(() => t.close());

  const cases: { name: string; remote: string; headers: Record<string, string>; code: number }[] = [
    { name: 'loopback v4, direct', remote: '127.0.0.1', headers: {}, code: 200 },
    { name: 'loopback v6, direct', remote: '::1', headers: {}, code: 200 },
    { name: 'loopback mapped v4', remote: '::ffff:127.0.0.1', headers: {}, code: 200 },
    {
      name: 'loopback via a proxy',
      remote: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
      code: 403,
    },
    {
      name: 'loopback, Forwarded',
      remote: '127.0.0.1',
      headers: { forwarded: 'for=203.0.113.9' },
      code: 403,
    },
    { name: 'remote, no token', remote: '10.1.2.3', headers: {}, code: 403 },
    {
      name: 'remote, spoofed XFF',
      remote: '10.1.2.3',
      headers: { 'x-forwarded-for': '127.0.0.1' },
      code: 403,
    },
    { name: 'remote, token', remote: '10.1.2.3', headers: { authorization: `Bearer ${TOKEN}` }, code: 200 },
    {
      name: 'proxied, token',
      remote: '127.0.0.1',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '1.2.3.4' },
      code: 200,
    },
    {
      name: 'remote, wrong token',
      remote: '10.1.2.3',
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
      code: 403,
    },
    { name: 'remote, short token', remote: '10.1.2.3', headers: { authorization: 'Bearer x' }, code: 403 },
    {
      name: 'remote, other scheme',
      remote: '10.1.2.3',
      headers: { authorization: `Basic ${TOKEN}` },
      code: 403,
    },
    {
      name: 'loopback, wrong token',
      remote: '127.0.0.1',
      headers: { authorization: 'Bearer nope' },
      code: 403,
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, async () => {
      const res = await t.app.inject({ url: '/metrics', remoteAddress: c.remote, headers: c.headers });
      expect(res.statusCode).toBe(c.code);
      if (c.code === 200) {
        expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(res.body).toContain('process_resident_memory_bytes');
      } else {
        expect(res.json()).toMatchObject({ code: 'forbidden' });
      }
    });
  }

  it('refuses a METRICS_TOKEN shorter than 16 characters at start, naming it', async () => {
    const { loadConfig } = await import('../config');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({}).metricsToken).toBeNull();
  });
});

describe('metrics: what they report', () => {
  it('request latency by route template, STOW bytes, the stages of ingest and a live socket.io connection', async () => {
    const s = await startTestServer('pglite');
    try {
      const t0 = await (await fetch(`${s.url}/metrics`)).text();
      expect(sample(t0, 'consult_socketio_connections')).toBe(0);
      expect(sample(t0, 'consult_rounds_live')).toBe(0);
      expect(sample(t0, 'consult_sfu_consumers')).toBe(0);

      const login = await fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'lankao.doctor', password: 'Demo-2026-consult' }),
      });
      const cookie = /consult_sid=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      for (const id of ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']) {
        await fetch(`${s.url}/api/patients/${id}`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
      }
      const bytes = tinyStudy(Date.now() % 100_000);
      const up = await fetch(`${s.url}/api/imaging/instances`, {
        method: 'POST',
        headers: {
          cookie: `${SESSION_COOKIE}=${cookie}`,
          'x-csrf-token': csrfToken,
          'content-type': 'application/dicom',
        },
        body: bytes,
      });
      expect(up.status).toBeLessThan(300);

      const sock = connect(s.url, {
        transports: ['websocket'],
        extraHeaders: { cookie: `${SESSION_COOKIE}=${cookie}` },
      });
      try {
        await new Promise<void>((resolve, reject) => {
          sock.once('connect', resolve);
          sock.once('connect_error', reject);
        });
        const text = await (await fetch(`${s.url}/metrics`)).text();
        // Both patient reads share one series: the route template, not the URL.
        expect(
          sample(text, 'consult_http_request_duration_seconds_count', {
            route: '/api/patients/:id',
            method: 'GET',
          }),
        ).toBe(2);
        expect(text).not.toContain('00000000-0000-4000-8000-000000000001');
        expect(sample(text, 'consult_stow_requests_total', { status: String(up.status) })).toBe(1);
        expect(sample(text, 'consult_stow_bytes_total', { status: String(up.status) })).toBe(bytes.length);
        expect(sample(text, 'consult_socketio_connections')).toBe(1);
        // The upload's way into the index, once through every stage, in a batch of one; the transaction's time
        // holds its statements'.
        const delta = (name: string, labels: Record<string, string> = {}) =>
          (sample(text, name, labels) ?? 0) - (sample(t0, name, labels) ?? 0);
        const stages = ['file_sync', 'queued', 'identity_lock', 'index_write', 'blob_place', 'transaction'];
        for (const stage of stages)
          expect(delta('consult_ingest_stage_seconds_count', { stage }), stage).toBe(1);
        expect(delta('consult_ingest_batch_instances_count')).toBe(1);
        expect(delta('consult_ingest_batch_instances_sum')).toBe(1);
        const took = (stage: string) => delta('consult_ingest_stage_seconds_sum', { stage });
        expect(took('identity_lock')).toBeGreaterThan(0);
        expect(took('transaction')).toBeGreaterThan(took('identity_lock') + took('index_write'));
      } finally {
        sock.close();
      }
      await until(
        async () => sample(await (await fetch(`${s.url}/metrics`)).text(), 'consult_socketio_connections'),
        (n) => n === 0,
        'the socket to be counted out',
      );
    } finally {
      await s.close();
    }
  });

  it('the PostgreSQL pool, and the audit lag while the chain lock is held', async () => {
    const tdb = await openTestDb('postgres');
    const { seedDemo } = await import('../seed/demo');
    await seedDemo(tdb.dbh.db);
    const app = await buildApp({ config: testConfig(), db: tdb.dbh.db, logger: false });
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    try {
      await app.ready();
      const metrics = async () => (await app.inject({ url: '/metrics' })).body;
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'lankao.doctor', password: 'Demo-2026-consult' },
      });
      const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
      const m0 = await metrics();
      expect(sample(m0, 'consult_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(sample(m0, 'consult_audit_pending_entries')).toBe(0);
      expect(sample(m0, 'consult_audit_chain_lag_seconds')).toBe(0);

      // Hold the audit chain's lock (the key appendAuditEntries takes for this schema): reads queue their audit.
      await holder.query('begin');
      await holder.query(`select pg_advisory_xact_lock(727001, hashtext($1))`, [tdb.schema]);
      const read = app.inject({ url: '/api/patients', cookies: { [SESSION_COOKIE]: cookie } });
      const lagging = await until(
        metrics,
        (m) => (sample(m, 'consult_audit_pending_entries') ?? 0) >= 1,
        'a pending read audit',
      );
      expect(sample(lagging, 'consult_audit_chain_lag_seconds')).toBeGreaterThan(0);
      await holder.query('commit');
      expect((await read).statusCode).toBe(200);
      // Read audits are appended in background batches: the queue drains once the lock is free.
      const m1 = await until(
        metrics,
        (m) => sample(m, 'consult_audit_pending_entries') === 0,
        'the read audit appended',
      );
      expect(sample(m1, 'consult_audit_chain_lag_seconds')).toBe(0);
    } finally {
      await holder.end();
      await app.close();
      await tdb.close();
    }
  });
});

describe('request ids', () => {
  let t: TestApp;
  const lines: { reqId?: string; msg?: string }[] = [];
  beforeAll(async () => {
    const tdb = await openTestDb('pglite');
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    const app = await buildApp({ config: testConfig(), db: tdb.dbh.db, logger: { level: 'info', stream } });
    await app.ready();
    t = {
      app,
      db: tdb.dbh.db,
      close: async () => (await app.close(), await tdb.close()),
    } as unknown as TestApp;
  });
  afterAll(() => t.close());

  it('propagates a caller-sent x-request-id into the response and every log line of the request', async () => {
    const res = await t.app.inject({ url: '/api/no/such', headers: { 'x-request-id': 'proxy-4f2a.77:1' } });
    expect(res.headers['x-request-id']).toBe('proxy-4f2a.77:1');
    const mine = lines.filter((l) => l.reqId === 'proxy-4f2a.77:1');
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  const bad = ['', 'has space', 'tab\there', 'x'.repeat(129), 'quote"', '{"json":1}', 'ü-non-ascii'];
  for (const b of bad) {
    it(`replaces an unusable id (${JSON.stringify(b).slice(0, 20)}) with a fresh UUID`, async () => {
      const res = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': b } });
      expect(res.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    });
  }

  it('gives every request without an id its own', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++)
      ids.add(String((await t.app.inject({ url: '/health/live' })).headers['x-request-id']));
    expect(ids.size).toBe(5);
  });
});
