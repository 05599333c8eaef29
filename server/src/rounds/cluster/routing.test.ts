/**
 * Round signalling across two nodes (real servers sharing PostgreSQL and a private Redis, real mediasoup
 * workers; socket.io clients, no browser): a participant on either node is in the same room, owned by the node
 * that took the round's lease; requests from the other node are routed there and notifications come back through
 * the adapter. The owner stopping hands the round over: the other node's participant is told to rejoin and its
 * join makes the survivor the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import {
  SESSION_COOKIE,
  type Ack,
  type ClientToServerEvents,
  type RoundMethod,
  type RoundNotification,
  type RoundRequestData,
  type RoundResponse,
  type ServerToClientEvents,
} from '@consult/shared';
import { loadConfig } from '../../config';
import { DEMO_PASSWORD, dropSchema, freshSchema, startTestServer } from '../../testing/harness';
import { waitFor } from '../../testing/load';
import { startPrivateRedis, type PrivateRedis } from '../../testing/private-services';

type Srv = Awaited<ReturnType<typeof startTestServer>>;
type Client = Socket<ServerToClientEvents, ClientToServerEvents> & { notes: RoundNotification[] };
interface User {
  cookie: string;
  csrf: string;
  id: string;
}

let redis: PrivateRedis;
let a: Srv;
let b: Srv;
let roundId: string;
const schema = freshSchema();
const users: Record<string, User> = {};
const sockets: Client[] = [];

const login = async (srv: Srv, username: string): Promise<User> => {
  const res = await fetch(`${srv.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  const cookie = /consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
  const me = (await res.json()) as { id: string; csrfToken: string };
  return (users[username] = { cookie, csrf: me.csrfToken, id: me.id });
};
const http = async (srv: Srv, u: User, method: string, url: string, body?: unknown) => {
  const res = await fetch(srv.url + url, {
    method,
    headers: {
      cookie: `${SESSION_COOKIE}=${u.cookie}`,
      'x-csrf-token': u.csrf,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: res.status,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test answers are read field by field
    json: (await res.json().catch(() => null)) as any,
  };
};
const socketOn = async (srv: Srv, u: User): Promise<Client> => {
  const s = connect(srv.url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { cookie: `${SESSION_COOKIE}=${u.cookie}` },
    reconnection: false,
  }) as Client;
  s.notes = [];
  s.on('round:notify', (n) => s.notes.push(n));
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
};
const req = <M extends RoundMethod>(
  s: Client,
  method: M,
  data: RoundRequestData<M>,
): Promise<Ack<RoundResponse<M>>> =>
  (
    s.timeout(20_000) as unknown as { emitWithAck(ev: string, d: unknown): Promise<Ack<RoundResponse<M>>> }
  ).emitWithAck(`round:${method}`, data);
const rooms = async (srv: Srv) =>
  (await http(srv, users.sysadmin!, 'GET', '/api/sfu/stats')).json.rooms as {
    roundId: string;
    peers: string[];
  }[];

beforeAll(async () => {
  redis = await startPrivateRedis();
  const sfu = { ...loadConfig({}).sfu, workers: 1, roundLeaseMs: 1000 };
  // Both name the schema, so stopping node A leaves the shared database to node B (dropped in afterAll).
  a = await startTestServer('postgres', { redisUrl: redis.url, sfu, databaseSchema: schema });
  b = await startTestServer('postgres', { redisUrl: redis.url, sfu, databaseSchema: schema });
  const host = await login(a, 'pku.cardio');
  const guest = await login(b, 'lankao.doctor');
  await login(a, 'sysadmin');
  const res = await http(a, host, 'POST', '/api/rounds', {
    title: 'Round across nodes',
    kind: 'teaching',
    scheduledAt: new Date().toISOString(),
    inviteeIds: [guest.id],
    agenda: [{ title: 'Case 1' }],
  });
  expect(res.status).toBe(201);
  roundId = res.json.id;
}, 300_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await b?.close();
  await a?.close().catch(() => undefined);
  await redis?.destroy();
  await dropSchema(schema);
}, 120_000);

describe('a round across two nodes (signalling)', () => {
  let hostSock: Client;
  let guestSock: Client;

  it('participants on different nodes share one room on the node that took the lease', async () => {
    hostSock = await socketOn(a, users['pku.cardio']!);
    guestSock = await socketOn(b, users['lankao.doctor']!);
    expect((await req(hostSock, 'join', { roundId })).ok).toBe(true);
    const joined = await req(guestSock, 'join', { roundId });
    if (!joined.ok) throw new Error(joined.message);
    expect(
      joined.data.peers.map((p) => p.peerId),
      JSON.stringify(joined.data.peers),
    ).toEqual([users['pku.cardio']!.id]);
    // The host (node A) hears of the guest (node B) through the adapter.
    await waitFor(() => hostSock.notes.some((n) => n.name === 'peerJoined'), 10_000, 'peerJoined on A');
    expect((await rooms(a)).find((r) => r.roundId === roundId)?.peers).toHaveLength(2);
    expect(await rooms(b)).toEqual([]);

    // Requests of the guest run on A: its transport is created in A's room.
    const t = await req(guestSock, 'createTransport', { direction: 'recv' });
    expect(t.ok).toBe(true);
    const chat = await req(guestSock, 'chat', { text: 'from node B' });
    expect(chat.ok).toBe(true);
    await waitFor(
      () => hostSock.notes.some((n) => n.name === 'chatMessage' && n.data.message.text === 'from node B'),
      10_000,
      'chat from B reaches A',
    );
  });

  it('the owner stops: the other node’s participant is told to rejoin, and its join moves the round there', async () => {
    guestSock.notes.length = 0;
    const stopped = Date.now();
    await a.close();
    await waitFor(
      () => guestSock.notes.some((n) => n.name === 'rejoin' && n.data.reason === 'moved'),
      10_000,
      'rejoin(moved) on B',
    );
    const told = Date.now() - stopped;
    const again = await req(guestSock, 'join', { roundId });
    if (!again.ok) throw new Error(again.message);
    expect(again.data.chat.map((m) => m.text)).toContain('from node B');
    await login(b, 'sysadmin');
    expect((await rooms(b)).find((r) => r.roundId === roundId)?.peers).toEqual([users['lankao.doctor']!.id]);
    expect(told).toBeLessThan(5000);
  });
});
