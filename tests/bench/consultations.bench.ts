/**
 * Consultation-list benchmark (`pnpm bench consultations`): authenticated `GET /api/consultations` (a county
 * doctor's worklist of 40 requests: joins, visibility filter, audit entry per read) at 50 concurrent connections
 * with autocannon, requests/s and p95 latency.
 *
 * Baseline, measured in the same run on the same machine with the same load: a bare Fastify hello-world
 * (same Fastify version, one route returning {hello:'world'}). Our figures are printed as ratios to it.
 *
 * Both servers run as child processes. The platform uses PostgreSQL (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test) in a fresh schema dropped at the end. BENCH_SECONDS sets the duration
 * of each measurement (default 10).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { fromServer, SERVER_DIR, startProc, type Proc } from './server-process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const REQUESTS = 40;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const serverImport = <T>(name: string): Promise<T> => import(fromServer.resolve(name)) as Promise<T>;

// ------------------------------------------------------------------ baseline server (child mode)
if (process.argv[2] === '--hello-server') {
  type Fastify = (o: { logger: boolean }) => {
    get(path: string, h: () => Promise<unknown>): void;
    listen(o: { port: number; host: string }): Promise<string>;
    server: { address(): { port: number } | string | null };
  };
  const { default: Fastify } = await serverImport<{ default: Fastify }>('fastify');
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address();
  console.log(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
} else {
  await main();
}

interface Measured {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function measure(url: string, headers: Record<string, string> = {}): Promise<Measured> {
  const times: number[] = [];
  // warm-up (JIT, pools, caches), not measured
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    inst.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN;
  return {
    rps: r.requests.average,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function main() {
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-bench-'));
  const procs: Proc[] = [];
  try {
    const platform = await startProc(
      ['--import', 'tsx', 'src/main.ts'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        SEED_DEMO_CASES: 'false',
        DATABASE_URL: PG_URL,
        DATABASE_SCHEMA: schema,
        SLA_CHECK_SECONDS: '0',
      },
      SERVER_DIR,
    );
    procs.push(platform);
    const hello = await startProc(
      ['--import', 'tsx', import.meta.filename, '--hello-server'],
      {},
      SERVER_DIR,
    );
    procs.push(hello);

    // A county doctor with a worklist of REQUESTS requests to the paired tertiary hospital.
    const login = await fetch(`${platform.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: 'Demo-2026-consult' }),
    });
    const me = await json<{ csrfToken: string }>(login);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const h = { cookie, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' };
    const call = <T>(method: string, url: string, body?: unknown) =>
      fetch(`${platform.url}${url}`, {
        method,
        headers: h,
        body: body ? JSON.stringify(body) : undefined,
      }).then((r) => json<T>(r));
    const target = (await call<{ id: string; tier: string }[]>('GET', '/api/hospitals')).find(
      (x) => x.tier === 'tertiary',
    )!;
    for (let i = 0; i < REQUESTS; i++) {
      const p = await call<{ id: string }>('POST', '/api/patients', {
        name: `测试患者${i}`,
        sex: i % 2 ? 'male' : 'female',
        birthDate: '1960-05-01',
        povertyRegistered: i % 3 === 0,
      });
      const k = await call<{ cases: { id: string }[] }>('POST', `/api/patients/${p.id}/cases`, {
        diagnosis: '高血压',
        icd10: 'I10',
        status: 'chronic',
      });
      await call('POST', '/api/consultations', {
        patientId: p.id,
        caseId: k.cases[0]!.id,
        type: 'remote_consultation',
        urgency: (['routine', 'urgent', 'emergency'] as const)[i % 3],
        clinicalQuestion: '血压控制方案？',
        targetHospitalId: target.id,
      });
    }
    const check = await call<{ total: number }>('GET', '/api/consultations?view=all');
    if (check.total !== REQUESTS) throw new Error(`expected ${REQUESTS} requests, list has ${check.total}`);

    console.log(
      `${CONNECTIONS} connections, ${SECONDS} s each, ${os.cpus().length} CPUs, Node ${process.version}`,
    );
    const base = await measure(`${hello.url}/hello`);
    const ours = await measure(`${platform.url}/api/consultations?view=all&limit=50`, { cookie });
    // Reference points inside the platform: one `select 1` (no session), and the session lookup alone.
    const health = await measure(`${platform.url}/api/health`);
    const meRef = await measure(`${platform.url}/api/auth/me`, { cookie });
    const row = (name: string, m: Measured) =>
      console.log(
        `${name.padEnd(44)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${m.p50.toFixed(1).padStart(6)} ms   p95 ${m.p95.toFixed(1).padStart(6)} ms   p99 ${m.p99.toFixed(1).padStart(6)} ms   non-2xx ${m.non2xx}  errors ${m.errors}`,
      );
    row('baseline: bare Fastify hello-world', base);
    row(`consultation list (${REQUESTS} rows, authenticated)`, ours);
    row('reference: platform /api/health (select 1)', health);
    row('reference: platform /api/auth/me (session)', meRef);
    console.log(`ratio requests/s (ours / baseline): ${(ours.rps / base.rps).toFixed(3)}`);
    console.log(`ratio p95 latency (ours / baseline): ${(ours.p95 / base.p95).toFixed(1)}x`);
    if (ours.non2xx || ours.errors || base.non2xx || base.errors) {
      console.log('FAILED: some requests did not answer 2xx');
      process.exitCode = 1;
    }
  } finally {
    for (const p of procs) await p.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    type PgClient = { connect(): Promise<void>; query(q: string): Promise<unknown>; end(): Promise<void> };
    const { default: pg } = await serverImport<{
      default: { Client: new (o: { connectionString: string }) => PgClient };
    }>('pg');
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  }
}
