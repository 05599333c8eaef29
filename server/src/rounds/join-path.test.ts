/**
 * The short join path (issue 14): `join` with `transports: true` answers with both WebRTC transports, and
 * `ready` with `consume: true` answers with paused consumers of everything already in the room instead of one
 * newProducer notification per producer. Real server, real mediasoup worker, socket.io over 127.0.0.1.
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
  type TransportInfo,
} from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';
import { loadConfig } from '../config';

type Client = Socket<ServerToClientEvents, ClientToServerEvents> & { notes: RoundNotification[] };
interface User {
  cookie: string;
  csrf: string;
  id: string;
}

const VP8 = {
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc: 22220001 }],
};
const OPUS = {
  codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 22220002 }],
};

describe('joining a round in two round trips', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const sockets: Client[] = [];
  let host: User;
  let guest: User;
  let roundId: string;

  const login = async (username: string): Promise<User> => {
    const res = await fetch(`${srv.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: DEMO_PASSWORD }),
    });
    const cookie = /consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
    const me = (await res.json()) as { id: string; csrfToken: string };
    return { cookie, csrf: me.csrfToken, id: me.id };
  };
  const socketOf = async (u: User): Promise<Client> => {
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
      s.timeout(10_000) as unknown as { emitWithAck(e: string, d: unknown): Promise<Ack<RoundResponse<M>>> }
    ).emitWithAck(`round:${method}`, data);
  const ok = async <T>(p: Promise<Ack<T>>): Promise<T> => {
    const r = await p;
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return r.data;
  };
  const sfuStats = async () => {
    const admin = await login('sysadmin');
    const res = await fetch(`${srv.url}/api/sfu/stats`, {
      headers: { cookie: `${SESSION_COOKIE}=${admin.cookie}` },
    });
    return (await res.json()) as {
      rooms: { roundId: string; peers: unknown[] }[];
    };
  };

  beforeAll(async () => {
    // Two workers, one peer per router: the guest consumes producers piped from the host's worker.
    srv = await startTestServer('pglite', { sfu: { ...loadConfig({}).sfu, workers: 2, peersPerRouter: 1 } });
    host = await login('pku.cardio');
    guest = await login('lankao.doctor');
    const res = await fetch(`${srv.url}/api/rounds`, {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${host.cookie}`,
        'x-csrf-token': host.csrf,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        title: 'Join path',
        kind: 'ward_round',
        scheduledAt: new Date().toISOString(),
        inviteeIds: [guest.id],
        agenda: [],
      }),
    });
    expect(res.status).toBe(201);
    roundId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await srv?.close();
  });

  let hostSock: Client;
  let hostTransports: { send: TransportInfo; recv: TransportInfo };

  it('join with transports answers with a send and a receive transport of this peer', async () => {
    hostSock = await socketOf(host);
    const joined = await ok(req(hostSock, 'join', { roundId, transports: true }));
    expect(joined.transports).toBeDefined();
    hostTransports = joined.transports!;
    const { send, recv } = hostTransports;
    expect(send.id).not.toBe(recv.id);
    for (const t of [send, recv]) {
      expect((t.iceCandidates[0] as { address: string }).address).toBe('127.0.0.1');
      expect((t.dtlsParameters as { fingerprints: unknown[] }).fingerprints.length).toBeGreaterThan(0);
    }
    // They are this peer's: it produces on the send one.
    await ok(
      req(hostSock, 'produce', { transportId: send.id, kind: 'video', rtpParameters: VP8, source: 'webcam' }),
    );
    await ok(
      req(hostSock, 'produce', { transportId: send.id, kind: 'audio', rtpParameters: OPUS, source: 'mic' }),
    );
    // Without the flag the answer is as before.
    const plain = await ok(req(await socketOf(guest), 'join', { roundId }));
    expect(plain.transports).toBeUndefined();
  });

  it('ready with consume answers with paused consumers of what is in the room, and no newProducer for them', async () => {
    const s = await socketOf(guest);
    const joined = await ok(req(s, 'join', { roundId, transports: true }));
    expect(joined.peers.map((p) => p.peerId)).toEqual([host.id]);
    const ready = await ok(
      req(s, 'ready', { rtpCapabilities: joined.routerRtpCapabilities, consume: true, spatialLayer: 1 }),
    );
    expect(ready.consumable).toBe(2);
    const consumers = ready.consumers ?? [];
    expect(consumers.map((c) => `${c.kind}:${c.source}:${c.peerId}`).sort()).toEqual([
      `audio:mic:${host.id}`,
      `video:webcam:${host.id}`,
    ]);
    for (const c of consumers) expect(c.producerPaused).toBe(false);
    // The consumers are real: resuming each works. Consuming a producer again (the answer lost with a dropped
    // socket) answers the same consumer.
    for (const c of consumers) await ok(req(s, 'resumeConsumer', { consumerId: c.consumerId }));
    expect(await ok(req(s, 'consume', { producerId: consumers[0]!.producerId }))).toEqual({
      ...consumers[0],
      producerPaused: false,
    });
    // A round trip later (chat answers after every notification sent before it): none announced twice.
    await ok(req(s, 'chat', { text: 'ready' }));
    expect(s.notes.filter((n) => n.name === 'newProducer')).toEqual([]);
    const room = (await sfuStats()).rooms.find((r) => r.roundId === roundId);
    expect(room?.peers).toHaveLength(2);
  });

  it('a ready sent right behind its join, without waiting for the answer, is for the peer that join makes', async () => {
    // The client knows the router's capabilities from an earlier join (client/src/features/rounds/device.ts).
    const caps = (await ok(req(await socketOf(guest), 'join', { roundId }))).routerRtpCapabilities;
    const s = await socketOf(guest); // replaces the previous peer of this user
    const [joined, ready] = await Promise.all([
      ok(req(s, 'join', { roundId, transports: true })),
      ok(req(s, 'ready', { rtpCapabilities: caps, consume: true, spatialLayer: 1 })),
    ]);
    expect(joined.routerRtpCapabilities).toEqual(caps);
    expect((ready.consumers ?? []).map((c) => `${c.kind}:${c.peerId}`).sort()).toEqual([
      `audio:${host.id}`,
      `video:${host.id}`,
    ]);
    for (const c of ready.consumers ?? []) await ok(req(s, 'resumeConsumer', { consumerId: c.consumerId }));
  });

  it('without consume, ready announces each producer as before', async () => {
    const s = await socketOf(guest); // replaces the previous peer of this user
    const joined = await ok(req(s, 'join', { roundId, transports: true }));
    const ready = await ok(req(s, 'ready', { rtpCapabilities: joined.routerRtpCapabilities }));
    expect(ready).toEqual({ consumable: 2 });
    await ok(req(s, 'chat', { text: 'ready' }));
    expect(s.notes.filter((n) => n.name === 'newProducer')).toHaveLength(2);
  });

  it('validates the new flags', async () => {
    const s = await socketOf(guest);
    expect(await req(s, 'join', { roundId, transports: 'yes' } as never)).toMatchObject({
      ok: false,
      code: 'validation',
    });
    await ok(req(s, 'join', { roundId }));
    expect(await req(s, 'ready', { rtpCapabilities: {}, consume: 1 } as never)).toMatchObject({
      ok: false,
      code: 'validation',
    });
    expect(await req(s, 'ready', { rtpCapabilities: {}, consume: true, spatialLayer: 3 })).toMatchObject({
      ok: false,
      code: 'validation',
    });
  });

  it('starting or stopping a recording asked again (the answer lost with the socket) does it once', async () => {
    const started = await ok(req(hostSock, 'startRecording', {}));
    expect(await ok(req(hostSock, 'startRecording', {}))).toEqual(started);
    const note = (n: RoundNotification) => n.name === 'recordingChanged';
    await ok(req(hostSock, 'stopRecording', {}));
    await ok(req(hostSock, 'stopRecording', {}));
    // A round trip later, every notification sent: recording went on once and off once.
    await ok(req(hostSock, 'chat', { text: 'after' }));
    const changes = hostSock.notes.filter(note).map((n) => n.name === 'recordingChanged' && n.data);
    expect(changes).toEqual([
      { recording: true, recordingId: started.recordingId },
      { recording: false, recordingId: null },
    ]);
  });

  it('a source produced again (its first answer lost with the socket) replaces the stale producer for everyone', async () => {
    const s = await socketOf(guest); // replaces the previous peer of this user
    const joined = await ok(req(s, 'join', { roundId, transports: true }));
    await ok(req(s, 'ready', { rtpCapabilities: joined.routerRtpCapabilities }));
    await ok(req(s, 'chat', { text: 'announced' }));
    const announced = (n: RoundNotification) => (n.name === 'newProducer' ? [n.data.producer] : []);
    const [stale] = s.notes.flatMap(announced).filter((p) => p.source === 'webcam');
    expect(stale).toBeDefined();
    s.notes.length = 0;
    const VP8_AGAIN = { ...VP8, encodings: [{ ssrc: 22220011 }] };
    const { send } = hostTransports;
    const again = await ok(
      req(hostSock, 'produce', {
        transportId: send.id,
        kind: 'video',
        rtpParameters: VP8_AGAIN,
        source: 'webcam',
      }),
    );
    expect(again.producerId).not.toBe(stale!.producerId);
    await ok(req(s, 'chat', { text: 'replaced' }));
    expect(s.notes.filter((n) => n.name === 'producerClosed').map((n) => n.data)).toEqual([
      { peerId: host.id, producerId: stale!.producerId },
    ]);
    expect(s.notes.flatMap(announced).map((p) => `${p.source}:${p.producerId}`)).toEqual([
      `webcam:${again.producerId}`,
    ]);
    // Consumed twice at once (a retry while the first ask is still being answered): one consumer.
    const [c1, c2] = await Promise.all([
      ok(req(s, 'consume', { producerId: again.producerId })),
      ok(req(s, 'consume', { producerId: again.producerId })),
    ]);
    expect(c2).toEqual(c1);
    // The host sends one camera and one microphone, as before.
    const ready = await ok(req(await socketOf(guest), 'join', { roundId }));
    expect(
      ready.peers
        .find((p) => p.peerId === host.id)
        ?.producers.map((p) => p.source)
        .sort(),
    ).toEqual(['mic', 'webcam']);
  });
});
