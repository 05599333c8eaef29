/**
 * Round signalling over socket.io against a real server and real mediasoup workers (2 workers, one peer per
 * router so a two-person round spans both workers through pipeToRouter).
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
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';
import { loadConfig } from '../config';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
interface User {
  cookie: string;
  csrf: string;
  id: string;
}

describe('round signalling with real workers', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const sockets: Client[] = [];
  const users: Record<string, User> = {};
  let roundId: string;

  const http = async (u: User | null, method: string, url: string, body?: unknown) => {
    const res = await fetch(srv.url + url, {
      method,
      headers: {
        ...(u ? { cookie: `${SESSION_COOKIE}=${u.cookie}`, 'x-csrf-token': u.csrf } : {}),
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
  const login = async (username: string): Promise<User> => {
    const res = await fetch(`${srv.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: DEMO_PASSWORD }),
    });
    const cookie = /consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
    const me = (await res.json()) as { id: string; csrfToken: string };
    return (users[username] = { cookie, csrf: me.csrfToken, id: me.id });
  };
  const socketOf = async (u: User): Promise<Client & { notes: RoundNotification[] }> => {
    const s = connect(srv.url, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { cookie: `${SESSION_COOKIE}=${u.cookie}` },
      reconnection: false,
    }) as Client & {
      notes: RoundNotification[];
    };
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
      s.timeout(10_000) as unknown as { emitWithAck(ev: string, d: unknown): Promise<Ack<RoundResponse<M>>> }
    ).emitWithAck(`round:${method}`, data);
  const waitFor = async (
    s: { notes: RoundNotification[] },
    name: RoundNotification['name'],
    timeoutMs = 10_000,
  ) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const n = s.notes.find((x) => x.name === name);
      if (n) {
        s.notes.splice(s.notes.indexOf(n), 1);
        return n;
      }
      if (Date.now() > end) throw new Error(`no ${name} notification`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stats = async () => (await http(users.sysadmin!, 'GET', '/api/sfu/stats')).json;

  beforeAll(async () => {
    srv = await startTestServer('pglite', { sfu: { ...loadConfig({}).sfu, workers: 2, peersPerRouter: 1 } });
    const host = await login('pku.cardio');
    const lankao = await login('lankao.doctor');
    await login('linquan.doctor');
    await login('sysadmin');
    const res = await http(host, 'POST', '/api/rounds', {
      title: 'Teaching round',
      kind: 'teaching',
      scheduledAt: new Date().toISOString(),
      inviteeIds: [lankao.id],
      agenda: [{ title: 'Case 1' }, { title: 'Case 2' }],
    });
    expect(res.status).toBe(201);
    roundId = res.json.id;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await srv?.close();
  });

  it('refuses a user who is not invited, exactly like the HTTP route, and requests before joining', async () => {
    const s = await socketOf(users['linquan.doctor']!);
    const res = await req(s, 'join', { roundId });
    expect(res).toMatchObject({ ok: false, code: 'not_found' });
    expect((await http(users['linquan.doctor']!, 'GET', `/api/rounds/${roundId}`)).status).toBe(404);
    expect(await req(s, 'createTransport', { direction: 'send' })).toMatchObject({
      ok: false,
      code: 'invalid_transition',
    });
    expect(await req(s, 'join', { roundId: 'nope' } as never)).toMatchObject({
      ok: false,
      code: 'validation',
    });
  });

  let hostSock: Awaited<ReturnType<typeof socketOf>>;
  let guestSock: Awaited<ReturnType<typeof socketOf>>;

  it('host and invitee join; the round goes live; peers see each other; the room spans both workers', async () => {
    hostSock = await socketOf(users['pku.cardio']!);
    guestSock = await socketOf(users['lankao.doctor']!);
    const a = await req(hostSock, 'join', { roundId });
    expect(a.ok).toBe(true);
    const b = await req(guestSock, 'join', { roundId });
    if (!b.ok) throw new Error(b.message);
    expect(b.data.peers.map((p) => p.displayName)).toEqual(['陈教授 Prof. Chen']);
    expect(b.data.peers[0]!.hospitalNameEn).toBe('Peking University First Hospital');
    expect(
      (b.data.routerRtpCapabilities as { codecs: { mimeType: string }[] }).codecs.map((c) => c.mimeType),
    ).toContain('video/VP8');
    const joined = await waitFor(hostSock, 'peerJoined');
    expect(joined.name === 'peerJoined' && joined.data.peer.hospitalNameEn).toBe(
      "Lankao County People's Hospital",
    );
    expect((await http(users['pku.cardio']!, 'GET', `/api/rounds/${roundId}`)).json.status).toBe('live');
    const st = await stats();
    const room = st.rooms.find((r: { roundId: string }) => r.roundId === roundId);
    expect(room.peers).toHaveLength(2);
    expect(new Set(room.routers.map((r: { workerPid: number }) => r.workerPid)).size).toBe(2);
  });

  it('audits every join: the first commits with the round going live, later ones are queued like reads, none lost', async () => {
    // The audit log waits for queued records before it lists.
    const log = await http(users.sysadmin!, 'GET', `/api/audit?entityType=round&entityId=${roundId}`);
    const joins = (log.json as { action: string; actorId: string }[])
      .filter((r) => r.action === 'round.join')
      .map((r) => r.actorId);
    expect(joins.sort()).toEqual([users['pku.cardio']!.id, users['lankao.doctor']!.id].sort());
    expect((await http(users.sysadmin!, 'GET', '/api/audit/verify')).json.ok).toBe(true);
  });

  it('creates transports, carries chat and the agenda (host only), and validates payloads', async () => {
    const t = await req(guestSock, 'createTransport', { direction: 'recv' });
    if (!t.ok) throw new Error(t.message);
    expect(t.data.iceCandidates.length).toBeGreaterThan(0);
    expect((t.data.iceCandidates[0] as { address: string }).address).toBe('127.0.0.1');
    const chat = await req(guestSock, 'chat', { text: '  你好 hello  ' });
    expect(chat).toMatchObject({ ok: true, data: { text: '你好 hello', displayName: '张伟 (兰考)' } });
    const note = await waitFor(hostSock, 'chatMessage');
    expect(note.name === 'chatMessage' && note.data.message.text).toBe('你好 hello');
    const detail = (await http(users['pku.cardio']!, 'GET', `/api/rounds/${roundId}`)).json;
    const item = detail.agenda[1].id as string;
    expect(await req(guestSock, 'setAgendaItem', { agendaItemId: item })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect((await req(hostSock, 'setAgendaItem', { agendaItemId: item })).ok).toBe(true);
    const moved = await waitFor(guestSock, 'agendaChanged');
    expect(moved.name === 'agendaChanged' && moved.data.agendaItemId).toBe(item);
    expect(await req(guestSock, 'startRecording', {})).toMatchObject({ ok: false, code: 'forbidden' });
    expect(
      await req(guestSock, 'produce', {
        transportId: t.data.id,
        kind: 'video',
        rtpParameters: {},
        source: 'mic',
      }),
    ).toMatchObject({
      ok: false,
      code: 'validation',
    });
  });

  it('a chat message asked again with its id (its answer lost with the socket) is posted and shown once', async () => {
    const id = crypto.randomUUID();
    const first = await req(guestSock, 'chat', { id, text: 'BP 150/95 since Monday' });
    expect(first).toMatchObject({ ok: true, data: { id, text: 'BP 150/95 since Monday' } });
    const again = await req(guestSock, 'chat', { id, text: 'BP 150/95 since Monday' });
    expect(again).toEqual(first);
    // Another sender or text under that id is refused; nothing of it is stored or shown.
    expect(await req(hostSock, 'chat', { id, text: 'BP 150/95 since Monday' })).toMatchObject({
      ok: false,
      code: 'conflict',
    });
    expect(await req(guestSock, 'chat', { id, text: 'BP 160/100' })).toMatchObject({
      ok: false,
      code: 'conflict',
    });
    // A round trip after both posts: the host was told of the message once.
    await req(hostSock, 'chat', { text: 'noted' });
    await waitFor(hostSock, 'chatMessage'); // the message
    await waitFor(hostSock, 'chatMessage'); // 'noted'
    expect(hostSock.notes.filter((n) => n.name === 'chatMessage')).toEqual([]);
    const stored = await srv.app.db
      .selectFrom('round_chat_messages')
      .select(['user_id', 'text'])
      .where('round_id', '=', roundId)
      .where('text', 'like', 'BP 1%')
      .execute();
    expect(stored).toEqual([{ user_id: users['lankao.doctor']!.id, text: 'BP 150/95 since Monday' }]);
  });

  it("raises a hand for everyone to see; only the host or presenter lowers another's; a late joiner sees it", async () => {
    const guestId = users['lankao.doctor']!.id;
    const hostId = users['pku.cardio']!.id;
    expect((await req(guestSock, 'raiseHand', { raised: true })).ok).toBe(true);
    const up = await waitFor(hostSock, 'handChanged');
    expect(up.data).toEqual({ peerId: guestId, raised: true, by: null });
    await waitFor(guestSock, 'handChanged');
    expect(await req(guestSock, 'lowerHand', { peerId: hostId })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await req(guestSock, 'raiseHand', { raised: 'yes' } as never)).toMatchObject({
      code: 'validation',
    });
    // The host joins again (a reload): the hand is still up in the join answer.
    const again = await req(hostSock, 'join', { roundId });
    if (!again.ok) throw new Error(again.message);
    expect(again.data.handsRaised).toEqual([guestId]);
    expect((await req(hostSock, 'lowerHand', { peerId: guestId })).ok).toBe(true);
    const down = await waitFor(guestSock, 'handChanged');
    expect(down.data).toEqual({ peerId: guestId, raised: false, by: hostId });
    // Lowering a hand that is down changes nothing and tells nobody.
    expect((await req(hostSock, 'lowerHand', { peerId: guestId })).ok).toBe(true);
    expect((await req(guestSock, 'chat', { text: 'after' })).ok).toBe(true);
    await waitFor(guestSock, 'chatMessage');
    expect(guestSock.notes.some((n) => n.name === 'handChanged')).toBe(false);
  });

  it('a second connection of the same user replaces the stale peer', async () => {
    const again = await socketOf(users['lankao.doctor']!);
    const res = await req(again, 'join', { roundId });
    expect(res.ok).toBe(true);
    await waitFor(guestSock, 'replaced');
    expect(await req(guestSock, 'chat', { text: 'x' })).toMatchObject({
      ok: false,
      code: 'invalid_transition',
    });
    const room = (await stats()).rooms.find((r: { roundId: string }) => r.roundId === roundId);
    expect(room.peers).toHaveLength(2);
    guestSock = again;
  });

  it('joins sent at once on one socket (a client rejoining on several signals) leave one peer, the last join’s', async () => {
    const joins = await Promise.all(
      [1, 2, 3].map(() => req(guestSock, 'join', { roundId, transports: true })),
    );
    expect(joins.map((j) => j.ok)).toEqual([true, true, true]);
    expect(guestSock.notes.filter((n) => n.name === 'replaced')).toEqual([]);
    const room = (await stats()).rooms.find((r: { roundId: string }) => r.roundId === roundId);
    expect(room.peers).toHaveLength(2);
    // The last answer's transports are the peer's; the earlier joins' are gone with their peers.
    const last = joins[2]!.ok ? joins[2]!.data.transports! : null;
    expect(await req(guestSock, 'restartIce', { transportId: last!.send.id, roundId })).toMatchObject({
      ok: true,
    });
    for (const j of joins.slice(0, 2))
      expect(
        await req(guestSock, 'restartIce', { transportId: j.ok ? j.data.transports!.send.id : '', roundId }),
      ).toMatchObject({ ok: false });
  });

  it('a worker dying sends both peers a rejoin; joining again works on the replacement worker', async () => {
    const before = (await stats()).rooms.find((r: { roundId: string }) => r.roundId === roundId);
    process.kill(before.routers[0].workerPid, 'SIGKILL');
    const r1 = await waitFor(hostSock, 'rejoin');
    const r2 = await waitFor(guestSock, 'rejoin');
    expect(r1.data).toEqual({ reason: 'worker_died' });
    expect(r2.data).toEqual({ reason: 'worker_died' });
    const deadline = Date.now() + 10_000;
    let rejoined: Ack<RoundResponse<'join'>> = { ok: false, code: 'unavailable', message: '' };
    while (Date.now() < deadline) {
      rejoined = await req(hostSock, 'join', { roundId });
      if (rejoined.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rejoined.ok).toBe(true);
    expect((await req(guestSock, 'join', { roundId })).ok).toBe(true);
    // The pool replaces the dead worker in its slot.
    const pids = async () => (await stats()).workers.map((w: { pid: number }) => w.pid) as number[];
    const until = Date.now() + 10_000;
    while ((await pids()).includes(before.routers[0].workerPid) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    expect(await pids()).not.toContain(before.routers[0].workerPid);
    expect(await pids()).toHaveLength(2);
  });

  it('leaving closes every transport: the room disappears with its last peer', async () => {
    expect((await req(guestSock, 'createTransport', { direction: 'send' })).ok).toBe(true);
    expect((await req(guestSock, 'leave', {})).ok).toBe(true);
    const left = await waitFor(hostSock, 'peerLeft');
    expect(left.name === 'peerLeft' && left.data.peerId).toBe(users['lankao.doctor']!.id);
    hostSock.disconnect();
    const end = Date.now() + 5000;
    while ((await stats()).rooms.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect((await stats()).rooms).toEqual([]);
  });
});
