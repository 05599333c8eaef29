/**
 * /health/live and /health/ready against real outages: the database behind a TCP relay the test cuts and restores,
 * a private redis-server the test kills and restarts, and the SFU with a real mediasoup worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestApp, PG_URL, startTestServer, type TestApp } from '../testing/harness';
import { Sfu } from '../sfu/Sfu';
import { sfuReadiness } from '../metrics/sfu';
import { loadConfig } from '../config';

interface Ready {
  status: string;
  checks: Record<string, { ok: boolean; status: string }>;
}

/** Poll (bounded) until `probe` returns a value satisfying `done`; returns that value. */
async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });

/** A TCP relay to `target` that the test can cut (every connection dropped, port closed) and restore. */
async function relay(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const up = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((c) => {
        const u = net.connect(target.port, target.host);
        for (const s of [c, u]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        c.pipe(u).pipe(c);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await up();
  return { port, up, down };
}

describe('health: liveness and readiness', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('are public and answer without a session; ready lists the database and the SFU', async () => {
    const t: TestApp = await makeTestApp('pglite');
    cleanups.push(() => t.close());
    const live = await t.app.inject({ url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    const body = ready.json() as Ready;
    expect(body.status).toBe('ready');
    expect(body.checks.database).toEqual({ ok: true, status: 'ok' });
    expect(body.checks.sfu?.ok).toBe(true);
    // No REDIS_URL: no redis check at all (not a failing one).
    expect(body.checks.redis).toBeUndefined();
  });

  it('ready answers 503 naming the database while PostgreSQL is unreachable, and recovers; live stays 200', async () => {
    const pg = new URL(PG_URL);
    const cut = await relay({ host: pg.hostname, port: Number(pg.port || 5432) });
    cleanups.push(() => cut.down());
    pg.port = String(cut.port);
    const s = await startTestServer('postgres', { databaseUrl: pg.toString() });
    cleanups.push(() => s.close());
    const ready = async () => {
      const r = await fetch(`${s.url}/health/ready`);
      return { code: r.status, body: (await r.json()) as Ready };
    };
    expect((await ready()).code).toBe(200);

    await cut.down();
    const down = await until(ready, (r) => r.code === 503, 'ready to fail');
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.database?.ok).toBe(false);
    expect(down.body.checks.sfu?.ok).toBe(true);
    expect((await fetch(`${s.url}/health/live`)).status).toBe(200);

    await cut.up();
    const back = await until(ready, (r) => r.code === 200, 'ready to recover');
    expect(back.body.checks.database).toEqual({ ok: true, status: 'ok' });
  });

  it('ready answers 503 naming Redis while its Redis is down, and recovers when it is back', async () => {
    const port = await freePort();
    let redis: ChildProcess | null = null;
    const startRedis = async () => {
      redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      await until(
        () =>
          new Promise<boolean>((resolve) => {
            const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
            c.on('error', () => resolve(false));
          }),
        (ok) => ok,
        'redis-server to listen',
      );
    };
    const stopRedis = async () => {
      const p = redis;
      redis = null;
      if (!p || p.exitCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    };
    await startRedis();
    cleanups.push(stopRedis);
    const t = await makeTestApp('pglite', { redisUrl: `redis://127.0.0.1:${port}` });
    cleanups.push(() => t.close());
    const ready = async () => {
      const r = await t.app.inject({ url: '/health/ready' });
      return { code: r.statusCode, body: r.json() as Ready };
    };
    const ok = await until(ready, (r) => r.code === 200, 'ready with redis');
    expect(ok.body.checks.redis).toEqual({ ok: true, status: 'ok' });

    await stopRedis();
    const down = await until(ready, (r) => r.code === 503, 'ready to fail without redis');
    expect(down.body.checks.redis?.ok).toBe(false);
    expect(down.body.checks.database?.ok).toBe(true);

    await startRedis();
    const back = await until(ready, (r) => r.code === 200, 'ready to recover with redis');
    expect(back.body.checks.redis?.ok).toBe(true);
  });
});

describe('health: the SFU check', () => {
  it('is idle until the first round starts the workers, counts live ones, and fails when none is alive', async () => {
    const base = loadConfig({ LOG_LEVEL: 'silent' });
    expect(base.sfu.workerBin, 'the mediasoup worker (infra/mediasoup-worker.sh) must be built').toBeTruthy();
    const t = await makeTestApp('pglite');
    const sfu = new Sfu({ ...base.sfu, workers: 2 }, t.app.log);
    try {
      const check = sfuReadiness(sfu);
      const ready = async () => ((await t.app.inject({ url: '/health/ready' })).json() as Ready).checks.sfu;
      expect(await ready()).toEqual({ ok: true, status: 'idle (workers start with the first round)' });
      expect(await check()).toBe('idle (workers start with the first round)');
      await sfu.pool.ready();
      expect(await check()).toBe('2/2 workers');
      sfu.pool.workers[0]!.worker.close();
      expect(await check()).toBe('1/2 workers');
      sfu.pool.workers[1]!.worker.close();
      await expect(check()).rejects.toThrow('all 2 mediasoup workers are dead');
      const noBin = sfuReadiness(new Sfu({ ...base.sfu, workerBin: null }, t.app.log));
      expect(await noBin()).toBe('disabled (no mediasoup worker binary)');
    } finally {
      sfu.close();
      await t.close();
    }
  });
});
