/**
 * Synchronized viewing benchmark (`pnpm bench sync`): one presenter sends 30 viewport updates per second for
 * 30 s to 50 followers (socket.io-client in this process, loopback). Reports presenter→follower latency p50/p99
 * (goal p99 < 50 ms), dropped and out-of-order updates (goal 0) and the server's CPU, for one node and for two
 * nodes behind Redis (127.0.0.1:6379, followers split across the nodes, presenter on the first).
 *
 * Baseline, measured in the same run under the same load: "bare socket.io echo broadcast", a socket.io server
 * (same version, same Redis adapter for two nodes) that relays each message to a room with no validation, no
 * state, no sequencing. Our figures are printed as ratios to it.
 *
 * Servers run as child processes so their CPU is measured alone (/proc/<pid>/stat). The platform nodes use
 * PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) in a fresh schema, dropped
 * at the end. SYNC_BENCH_SECONDS shortens the run (default 30).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io as connect, type Socket } from 'socket.io-client';
import { cpuSeconds, fromServer, SERVER_DIR, startProc, type Proc } from './server-process';

const SECONDS = Number(process.env.SYNC_BENCH_SECONDS ?? 30);
const RATE = 30;
const FOLLOWERS = 50;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const serverImport = <T>(name: string): Promise<T> => import(fromServer.resolve(name)) as Promise<T>;

/** The little of the server packages' APIs used here (the tests package does not depend on them). */
interface EchoSocket {
  on(ev: string, fn: (...a: never[]) => void): void;
  join(room: string): unknown;
}
interface EchoIo {
  on(ev: 'connection', fn: (s: EchoSocket) => void): void;
  to(room: string): { emit(ev: string, payload: unknown): void };
  adapter(a: unknown): void;
}
type SocketIoModule = { Server: new (srv: unknown, opts: object) => EchoIo };
type RedisModule = {
  createClient(o: { url: string }): { duplicate(): RedisLike; connect(): Promise<unknown> } & RedisLike;
};
type RedisLike = { connect(): Promise<unknown> };
type AdapterModule = { createAdapter(pub: unknown, sub: unknown, opts: { key: string }): unknown };
type PgModule = {
  default: {
    Client: new (o: { connectionString: string }) => {
      connect(): Promise<void>;
      query(q: string): Promise<unknown>;
      end(): Promise<void>;
    };
  };
};

// ---------------------------------------------------------------- baseline server (child mode)
if (process.argv[2] === '--echo-server') {
  const { Server } = await serverImport<SocketIoModule>('socket.io');
  const http = await import('node:http');
  const srv = http.createServer();
  const io = new Server(srv, { path: '/socket.io', serveClient: false });
  const redisUrl = process.argv[3];
  if (redisUrl && redisUrl !== '-') {
    const { createClient } = await serverImport<RedisModule>('redis');
    const { createAdapter } = await serverImport<AdapterModule>('@socket.io/redis-adapter');
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub, { key: process.argv[4] ?? 'bench-echo' }));
  }
  io.on('connection', (s) => {
    s.on('join', (room: string, ack: () => void) => {
      void s.join(room);
      ack();
    });
    s.on('vp', (room: string, payload: unknown, ack?: () => void) => {
      io.to(room).emit('vp', payload);
      ack?.();
    });
  });
  srv.listen(0, '127.0.0.1', () => {
    const a = srv.address();
    console.log(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
  });
  await new Promise(() => undefined);
}

// ---------------------------------------------------------------- helpers
const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

interface Result {
  name: string;
  p50: number;
  p99: number;
  max: number;
  received: number;
  expected: number;
  dropped: number;
  outOfOrder: number;
  cpuPct: number;
}

type AnySocket = Socket;
const sockOpts = (cookie?: string) => ({
  path: '/socket.io',
  transports: ['websocket'],
  reconnection: false,
  forceNew: true,
  ...(cookie ? { extraHeaders: { cookie } } : {}),
});

async function connected(s: AnySocket): Promise<AnySocket> {
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

/**
 * Drive one scenario: `send(i)` makes the presenter send update i (i = 0..N-1); every follower reports
 * `(follower, i, orderKey)` on receipt. Returns latency and loss figures plus CPU of `pids`.
 */
async function drive(
  name: string,
  followers: AnySocket[],
  subscribe: (s: AnySocket, onUpdate: (i: number, order: number) => void) => void,
  /** Send update number i; numbers ≥ SECONDS·RATE are warm-up and not measured. */
  send: (i: number) => void,
  pids: number[],
): Promise<Result> {
  const n = SECONDS * RATE;
  const sentAt = new Float64Array(n);
  const latencies: number[] = [];
  const seen = followers.map(() => new Set<number>());
  const lastOrder = followers.map(() => -Infinity);
  let outOfOrder = 0;
  followers.forEach((s, f) =>
    subscribe(s, (i, order) => {
      if (i < 0 || i >= n) return;
      latencies.push(performance.now() - sentAt[i]!);
      seen[f]!.add(i);
      if (order < lastOrder[f]!) outOfOrder++;
      lastOrder[f] = order;
    }),
  );
  // One second of warm-up traffic (JIT, connection buffers) that is not measured: numbers n, n+1, ...
  for (let w = 0; w < RATE; w++) {
    send(n + w);
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  await new Promise((r) => setTimeout(r, 200));
  const cpu0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt[i] = performance.now();
    send(i);
  }
  // Let the last updates arrive (bounded).
  const deadline = performance.now() + 5000;
  while (seen.some((s) => s.size < n) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const wall = (performance.now() - t0) / 1000;
  const cpu = pids.map(cpuSeconds).reduce((a, c, k) => a + c - cpu0[k]!, 0);
  latencies.sort((a, b) => a - b);
  const received = seen.reduce((a, s) => a + s.size, 0);
  return {
    name,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    received,
    expected: n * followers.length,
    dropped: n * followers.length - received,
    outOfOrder,
    cpuPct: (cpu / wall) * 100,
  };
}

// ---------------------------------------------------------------- baseline scenario
async function baseline(nodes: 1 | 2): Promise<Result> {
  const servers: Proc[] = [];
  // The two echo nodes share a Redis namespace of their own (never another run's or a server's).
  const key = `bench-echo-${crypto.randomUUID()}`;
  for (let k = 0; k < nodes; k++) {
    servers.push(
      await startProc(
        ['--import', 'tsx', import.meta.filename, '--echo-server', nodes === 2 ? REDIS_URL : '-', key],
        {},
        SERVER_DIR,
      ),
    );
  }
  const room = `bench-${crypto.randomUUID()}`;
  try {
    const presenter = await connected(connect(servers[0]!.url, sockOpts()));
    const followers: AnySocket[] = [];
    for (let f = 0; f < FOLLOWERS; f++)
      followers.push(await connected(connect(servers[f % nodes]!.url, sockOpts())));
    await Promise.all([presenter, ...followers].map((s) => s.timeout(10_000).emitWithAck('join', room)));
    const r = await drive(
      `baseline: bare socket.io echo broadcast, ${nodes} node${nodes > 1 ? 's + Redis' : ''}`,
      followers,
      (s, on) => s.on('vp', (p: { i: number }) => on(p.i, p.i)),
      (i) => presenter.emit('vp', room, { i, viewport: viewport(i) }, () => undefined),
      servers.map((s) => s.proc.pid!),
    );
    for (const s of [presenter, ...followers]) s.disconnect();
    return r;
  } finally {
    for (const s of servers) await s.stop();
  }
}

// ---------------------------------------------------------------- platform scenario
const STUDY = '1.2.826.0.1.3680043.8.498.77';
const SERIES = '1.2.826.0.1.3680043.8.498.77.1';
function viewport(i: number) {
  return {
    studyUid: STUDY,
    seriesUid: SERIES,
    imageIndex: i % 13,
    windowCenter: -600,
    windowWidth: 1500,
    zoom: 1.25,
    // pan[0] carries the update number so followers can time it.
    pan: [i, 0] as [number, number],
    rotation: 0,
    flipHorizontal: false,
    flipVertical: false,
    invert: false,
    cine: { playing: false, fps: 10 },
  };
}

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'Demo-2026-consult' }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return /(consult_sid=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
}

async function platform(nodes: 1 | 2): Promise<Result> {
  const schema = `bench_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-bench-'));
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    LOG_LEVEL: 'warn',
    SEED_DEMO_CASES: 'false',
    ...(nodes === 2 ? { REDIS_URL, REDIS_KEY_PREFIX: `bench-${schema}` } : {}),
  };
  const servers: Proc[] = [];
  const { openDatabase } = await import('../../server/src/db/connect');
  const { seedLiveRound } = await import('../../server/src/sync/testing');
  try {
    for (let k = 0; k < nodes; k++)
      servers.push(await startProc(['--import', 'tsx', 'src/main.ts'], env, SERVER_DIR));
    const dbh = await openDatabase({ databaseUrl: PG_URL, schema, dataDir: null });
    const followerUsers = [
      'lankao.doctor',
      'yonghe.doctor',
      'wanquan.doctor',
      'linquan.doctor',
      'anzhen.radiology',
    ];
    const { roundId } = await seedLiveRound(dbh.db, {
      host: 'pku.cardio',
      invitees: ['pku.radiology', ...followerUsers],
      requester: 'lankao.doctor',
      consultant: 'pku.radiology',
      studyUid: STUDY,
      sharedForTeaching: true,
    });
    await dbh.close();
    const presenterCookie = await login(servers[0]!.url, 'pku.radiology');
    const cookies = await Promise.all(followerUsers.map((u) => login(servers[0]!.url, u)));
    const presenter = await connected(connect(servers[0]!.url, sockOpts(presenterCookie)));
    const followers: AnySocket[] = [];
    for (let f = 0; f < FOLLOWERS; f++) {
      followers.push(
        await connected(connect(servers[f % nodes]!.url, sockOpts(cookies[f % cookies.length]))),
      );
    }
    for (const s of [presenter, ...followers]) {
      const r = await s.timeout(10_000).emitWithAck('sync:join', { roundId });
      if (!r.ok) throw new Error(`join: ${r.message}`);
    }
    const must = async (ev: string, data: object) => {
      const r = await presenter.timeout(10_000).emitWithAck(ev, { roundId, ...data });
      if (!r.ok) throw new Error(`${ev}: ${r.message}`);
    };
    await must('sync:takePresenter', {});
    await must('sync:openStudy', { studyUid: STUDY, viewport: null });
    let nacks = 0;
    let acks = 0;
    let firstNack = '';
    const r = await drive(
      `platform sync (validation + state + seq${nodes === 2 ? ' in Redis' : ''}), ${nodes} node${nodes > 1 ? 's + Redis' : ''}`,
      followers,
      (s, on) =>
        s.on(
          'sync:event',
          (e: { seq: number; op: { type: string; viewport?: { pan: [number, number] } } }) => {
            if (e.op.type === 'viewport') on(e.op.viewport!.pan[0], e.seq);
          },
        ),
      (i) =>
        presenter.emit(
          'sync:viewport',
          { roundId, viewport: viewport(i) },
          (a: { ok: boolean; message?: string }) => {
            if (a.ok) acks++;
            else if (!nacks++) firstNack = a.message ?? '';
          },
        ),
      servers.map((s) => s.proc.pid!),
    );
    if (nacks || acks < SECONDS * RATE)
      console.log(
        `  ! ${acks} viewport updates acknowledged, ${nacks} refused${firstNack ? ` (${firstNack})` : ''}`,
      );
    for (const s of [presenter, ...followers]) s.disconnect();
    return r;
  } finally {
    for (const s of servers.reverse()) await s.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    const pg = (await serverImport<PgModule>('pg')).default;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  }
}

// ---------------------------------------------------------------- run
const fmt = (r: Result) =>
  `  ${r.name}\n    latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms; ` +
  `received ${r.received}/${r.expected}, dropped ${r.dropped}, out of order ${r.outOfOrder}; server CPU ${r.cpuPct.toFixed(1)} % of a core`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

console.log(
  `sync benchmark: ${FOLLOWERS} followers, ${RATE} updates/s for ${SECONDS} s (${os.cpus().length} CPUs, Node ${process.version})`,
);
let failed = false;
for (const nodes of [1, 2] as const) {
  const base = await baseline(nodes);
  console.log(fmt(base));
  const ours = await platform(nodes);
  console.log(fmt(ours));
  console.log(
    `  ratio to baseline (${nodes} node${nodes > 1 ? 's' : ''}): p50 ${ratio(ours.p50, base.p50)}, p99 ${ratio(ours.p99, base.p99)}, ` +
      `CPU ${ratio(ours.cpuPct, base.cpuPct)}`,
  );
  const goals = ours.p99 < 50 && ours.dropped === 0 && ours.outOfOrder === 0;
  console.log(`  goals (p99 < 50 ms, 0 dropped, 0 out of order): ${goals ? 'met' : 'NOT met'}`);
  if (ours.dropped || ours.outOfOrder) failed = true;
}
process.exit(failed ? 1 : 0);
