/**
 * A Redis restart under load: two server nodes share a PRIVATE redis-server (the socket.io Redis adapter and
 * the sync store use it) and PostgreSQL; 50 sockets are connected to node B while HTTP clients keep calling both
 * nodes. Redis is killed and started again, three times. Neither node may fail (an unhandled error or rejection
 * fails this file), HTTP keeps answering while Redis is down, and an event raised on node A reaches the sockets
 * on node B again once Redis is back — by itself, without restarting anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';
import { startPrivateRedis, type PrivateRedis } from '../testing/private-services';
import { runLoad, waitFor, type Phase } from '../testing/load';
import { userRoom } from './plugin';

type Srv = Awaited<ReturnType<typeof startTestServer>>;
const SOCKETS = 50;
const CYCLES = 3;

let redis: PrivateRedis;
let a: Srv;
let b: Srv;
let cookie: string;
let userId: string;
const sockets: Socket[] = [];
/** Markers each socket received, by socket index. */
const received: Set<string>[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  a = await startTestServer('postgres', { redisUrl: redis.url });
  b = await startTestServer('postgres', { redisUrl: redis.url, databaseSchema: a.schema });
  const res = await fetch(`${b.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lankao.doctor', password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  cookie = `${SESSION_COOKIE}=${/consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]}`;
  userId = ((await res.json()) as { id: string }).id;
  for (let i = 0; i < SOCKETS; i++) {
    const got = new Set<string>();
    received.push(got);
    const s = ioClient(b.url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: true });
    s.on('notification:new', (n: { entityId: string }) => got.add(n.entityId));
    sockets.push(s);
  }
  await waitFor(() => sockets.every((s) => s.connected), 60_000, 'all sockets connected to node B');
}, 300_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  // Both nodes must also shut down cleanly after the restarts (a hanging Redis QUIT used to block this).
  await b?.close();
  await a?.close();
  await redis?.destroy();
}, 300_000);

/** Raise a notification event on node A for the user; true once every socket on node B has it. */
function emitFromA(marker: string): void {
  a.app.io.to(userRoom(userId)).emit('notification:new', {
    id: marker,
    kind: 'test',
    entityType: 'test',
    entityId: marker,
    data: {},
    createdAt: new Date().toISOString(),
    readAt: null,
  } as never);
}
const allGot = (marker: string) => received.every((r) => r.has(marker));

describe('Redis restarts under load', () => {
  it(`survives ${CYCLES} kill/start cycles: HTTP keeps answering, cross-node events resume by themselves`, async () => {
    let phase: Phase = 'up';
    const load = runLoad(
      a.url,
      20,
      () => phase,
      (i) => ({ path: i % 2 ? '/api/auth/me' : '/api/health', headers: { cookie }, ok: 200 }),
    );
    const loadB = runLoad(
      b.url,
      20,
      () => phase,
      () => ({ path: '/api/auth/me', headers: { cookie }, ok: 200 }),
    );
    try {
      emitFromA('before');
      await waitFor(() => allGot('before'), 30_000, 'cross-node delivery before the outage');
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        phase = 'changing';
        await redis.stop();
        phase = 'down';
        // Emitting while Redis is down must not throw or crash either node.
        for (let k = 0; k < 20; k++) emitFromA(`lost-${cycle}-${k}`);
        const before = load.count('down') + loadB.count('down');
        await waitFor(
          () => load.count('down') + loadB.count('down') >= before + 200,
          60_000,
          'answers while down',
        );
        phase = 'changing';
        await redis.start();
        phase = 'up';
        const marker = `after-${cycle}`;
        await waitFor(
          () => {
            if (!allGot(marker)) emitFromA(marker);
            return allGot(marker);
          },
          60_000,
          `cross-node delivery after restart ${cycle}`,
        );
        expect(sockets.every((s) => s.connected)).toBe(true);
      }
    } finally {
      await load.stop();
      await loadB.stop();
    }
    const bad = [...load.results, ...loadB.results].filter((r) => r.status !== r.ok);
    expect([...new Set(bad.map((r) => `${r.phase} ${r.status} ${r.code ?? ''}`))]).toEqual([]);
  });
});
