/**
 * Round leases against a real Redis (a private redis-server): one holder at a time, renewal, hand-over on
 * release, takeover after a stalled owner's lease expired (the owner is a real process stopped with SIGSTOP)
 * with a larger fencing token — and the stalled owner, resumed, no longer acts with its old token (no split
 * brain) — and a lease lost when Redis itself goes away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { startPrivateRedis, type PrivateRedis } from '../../testing/private-services';
import { waitFor } from '../../testing/load';
import { RedisLeases } from './RedisLeases';

const TTL = 600;
const silent = {
  child: () => silent,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
} as unknown as FastifyBaseLogger;

let redis: PrivateRedis;
const prefix = `lease-test-${crypto.randomUUID()}:`;
const open: RedisLeases[] = [];
const node = async (nodeId: string, url = redis.url) => {
  const l = await RedisLeases.connect({ url, prefix, nodeId, ttlMs: TTL, log: silent });
  open.push(l);
  return l;
};
const round = () => crypto.randomUUID();

beforeAll(async () => {
  redis = await startPrivateRedis();
}, 60_000);
afterAll(async () => {
  await Promise.allSettled(open.map((l) => l.close()));
  await redis?.destroy();
});

/** The lease holder as a child process, driven line by line. */
async function holderProcess(nodeId: string) {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/testing/lease-holder.ts'], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix, NODE_ID: nodeId, TTL_MS: String(TTL) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => lines.push(JSON.parse(l)));
  const next = async (key: string) => {
    await waitFor(() => lines.some((l) => key in l), 30_000, `lease holder: ${key}`);
    return lines.splice(
      lines.findIndex((l) => key in l),
      1,
    )[0]![key];
  };
  await next('ready');
  return {
    proc,
    lines,
    next,
    send: (cmd: string) => proc.stdin!.write(`${cmd}\n`),
    kill: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

describe('round leases in Redis', () => {
  it('one holder at a time; renewal keeps the round past its lease time while the holder lives', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const r = round();
    const first = await a.acquire(r);
    expect(first.nodeId).toBe('a');
    expect(a.holds(r, first.token)).toBe(true);
    // For three lease times, every attempt of b sees a as the holder (renewal extends it).
    const until = Date.now() + 3 * TTL;
    while (Date.now() < until) {
      expect(await b.acquire(r)).toEqual(first);
      expect(b.holds(r, first.token)).toBe(false);
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(a.holds(r, first.token)).toBe(true);
  });

  it('a released round is taken at once by another node, with a larger fencing token', async () => {
    const [a, b] = [await node('a2'), await node('b2')];
    const r = round();
    const first = await a.acquire(r);
    await a.release(r);
    expect(a.holds(r, first.token)).toBe(false);
    const second = await b.acquire(r);
    expect(second.nodeId).toBe('b2');
    expect(second.token).toBeGreaterThan(first.token);
  });

  it('a stalled owner (SIGSTOP) loses the round after its lease time; resumed, it never acts with its old token', async () => {
    const stalled = await holderProcess('stalled');
    const b = await node('survivor');
    const r = round();
    try {
      stalled.send(`acquire ${r}`);
      const old = (await stalled.next('holder')) as { nodeId: string; token: number };
      expect(old.nodeId).toBe('stalled');
      stalled.proc.kill('SIGSTOP');
      const stoppedAt = Date.now();
      let mine = await b.acquire(r);
      while (mine.nodeId !== 'survivor' && Date.now() - stoppedAt < 10 * TTL) {
        expect(mine).toEqual(old); // never two holders
        await new Promise((res) => setTimeout(res, 20));
        mine = await b.acquire(r);
      }
      const takeoverMs = Date.now() - stoppedAt;
      expect(mine.nodeId).toBe('survivor');
      expect(mine.token).toBeGreaterThan(old.token);
      expect(takeoverMs).toBeLessThan(TTL + 500);
      expect(b.holds(r, mine.token)).toBe(true);

      stalled.proc.kill('SIGCONT');
      stalled.send(`holds ${r} ${old.token}`);
      expect(await stalled.next('holds')).toBe(false);
      expect(await stalled.next('lost')).toEqual([r, old.token]);
      // Its renewal did not take the round back.
      expect(await b.acquire(r)).toEqual(mine);
      expect(b.holds(r, mine.token)).toBe(true);
    } finally {
      stalled.proc.kill('SIGCONT');
      await stalled.kill();
    }
  }, 60_000);

  it('a holder that cannot reach Redis stops acting by its deadline (lost)', async () => {
    const own = await startPrivateRedis();
    try {
      const a = await node('cut-off', own.url);
      const r = round();
      const h = await a.acquire(r);
      const lost = once(a, 'lost');
      const cutAt = Date.now();
      await own.stop();
      expect(await lost).toEqual([r, h.token]);
      expect(Date.now() - cutAt).toBeLessThan(TTL + 400);
      expect(a.holds(r, h.token)).toBe(false);
    } finally {
      await own.destroy();
    }
  }, 60_000);
});
