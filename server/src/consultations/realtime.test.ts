/**
 * Live notifications over socket.io: authentication by session cookie, delivery only to users who may see the
 * request, catching up after being offline (notification:sync), and fan-out across two server instances through
 * the Redis adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import {
  SESSION_COOKIE,
  type ClientToServerEvents,
  type Notification,
  type ServerToClientEvents,
  type ConsultationChangedEvent,
} from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Srv = Awaited<ReturnType<typeof startTestServer>>;

interface Http {
  cookie: string;
  csrf: string;
  userId: string;
}

async function login(base: string, username: string): Promise<Http> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
    .split(';')[0]!;
  const me = (await res.json()) as { id: string; csrfToken: string };
  return { cookie, csrf: me.csrfToken, userId: me.id };
}

async function call<T>(base: string, who: Http, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      cookie: who.cookie,
      'x-csrf-token': who.csrf,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

function connect(base: string, who: Http | null): ClientSocket {
  return ioClient(base, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: who ? { cookie: who.cookie } : {},
  });
}
const connected = (s: ClientSocket) =>
  new Promise<void>((resolve, reject) => {
    if (s.connected) return resolve();
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });

/** Wait (bounded) for the first event matching `pred`. */
function waitFor<E extends 'consultation:changed' | 'notification:new'>(
  s: ClientSocket,
  event: E,
  pred: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean,
  ms = 10_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), ms);
    const h = (p: never) => {
      if (pred(p)) {
        clearTimeout(timer);
        s.off(event, h as never);
        resolve(p);
      }
    };
    s.on(event, h as never);
  });
}

/** Patient + case + submitted request from a county doctor to the given tertiary hospital. */
async function newRequest(base: string, doctor: Http, tertiaryNamePrefix: string, urgency = 'urgent') {
  const hospitals = await call<{ id: string; nameEn: string }[]>(base, doctor, 'GET', '/api/hospitals');
  const target = hospitals.find((h) => h.nameEn.startsWith(tertiaryNamePrefix))!;
  const p = await call<{ id: string }>(base, doctor, 'POST', '/api/patients', {
    name: '刘建国',
    sex: 'male',
    birthDate: '1949-10-01',
  });
  const withCase = await call<{ cases: { id: string }[] }>(
    base,
    doctor,
    'POST',
    `/api/patients/${p.id}/cases`,
    { diagnosis: '高血压', icd10: 'I10' },
  );
  return call<{ id: string; state: string }>(base, doctor, 'POST', '/api/consultations', {
    patientId: p.id,
    caseId: withCase.cases[0]!.id,
    type: 'remote_consultation',
    urgency,
    clinicalQuestion: '血压控制不佳，如何调整？',
    targetHospitalId: target.id,
  });
}

describe('socket.io notifications', () => {
  let srv: Srv;
  let lankao: Http, cardio: Http, anzhen: Http, wanquan: Http;
  const sockets: ClientSocket[] = [];
  beforeAll(async () => {
    srv = await startTestServer('pglite');
    [lankao, cardio, anzhen, wanquan] = [
      await login(srv.url, 'lankao.doctor'),
      await login(srv.url, 'pku.cardio'),
      await login(srv.url, 'anzhen.cardio'),
      await login(srv.url, 'wanquan.doctor'),
    ];
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await srv.close();
  });
  const open = async (who: Http | null) => {
    const s = connect(srv.url, who);
    sockets.push(s);
    await connected(s);
    return s;
  };

  it('rejects a socket without a session, or with a forged one', async () => {
    await expect(open(null)).rejects.toThrow(/unauthenticated/);
    await expect(open({ cookie: `${SESSION_COOKIE}=forged`, csrf: '', userId: '' })).rejects.toThrow(
      /unauthenticated/,
    );
  });

  it('delivers a new request only to users who may see it', async () => {
    const [sCardio, sAnzhen, sLankao] = [await open(cardio), await open(anzhen), await open(lankao)];
    const seenByAnzhen: string[] = [];
    sAnzhen.on('consultation:changed', (e) => seenByAnzhen.push(e.id));
    sAnzhen.on('notification:new', (n) => seenByAnzhen.push(n.entityId));

    const pkuNote = waitFor(sCardio, 'notification:new', (n) => n.kind === 'consultation.submitted');
    const c = await newRequest(srv.url, lankao, 'Peking University First');
    expect((await pkuNote).entityId).toBe(c.id);

    // Accepting reaches the requesting county doctor live.
    const accepted = waitFor(sLankao, 'consultation:changed', (e) => e.id === c.id && e.state === 'accepted');
    await call(srv.url, cardio, 'POST', `/api/consultations/${c.id}/transitions`, {
      to: 'triaged',
      assigneeId: cardio.userId,
    });
    await call(srv.url, cardio, 'POST', `/api/consultations/${c.id}/transitions`, { to: 'accepted' });
    expect((await accepted).from).toBe('triaged');
    const inbox = waitFor(sLankao, 'notification:new', (n) => n.kind === 'consultation.message_posted');
    await call(srv.url, cardio, 'POST', `/api/consultations/${c.id}/messages`, { body: '建议加用氨氯地平' });
    expect((await inbox).entityId).toBe(c.id);

    // Barrier: a request addressed to Anzhen arrives after everything above; Anzhen saw nothing of PKU's.
    const barrier = waitFor(sAnzhen, 'notification:new', (n) => n.kind === 'consultation.submitted');
    const other = await newRequest(srv.url, wanquan, 'Beijing Anzhen');
    await barrier;
    expect(seenByAnzhen.every((id) => id === other.id)).toBe(true);
    expect(seenByAnzhen).not.toContain(c.id);
  });

  it('gives an offline client what it missed on reconnect (notification:sync)', async () => {
    const first = await open(cardio);
    const since = new Date().toISOString();
    first.disconnect();
    const c = await newRequest(srv.url, lankao, 'Peking University First', 'emergency');
    const again = await open(cardio);
    const missed = await new Promise<Notification[]>((resolve, reject) =>
      again.emit('notification:sync', since, (res) =>
        res.ok ? resolve(res.data) : reject(new Error(res.message)),
      ),
    );
    expect(missed.some((n) => n.kind === 'consultation.submitted' && n.entityId === c.id)).toBe(true);
  });
});

describe('socket.io across two instances (Redis adapter)', () => {
  let a: Srv, b: Srv;
  beforeAll(async () => {
    a = await startTestServer('postgres', { redisUrl: 'redis://127.0.0.1:6379' });
    b = await startTestServer('postgres', { redisUrl: 'redis://127.0.0.1:6379', databaseSchema: a.schema });
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers an event raised on instance A to a socket connected to instance B', async () => {
    const lankaoOnA = await login(a.url, 'lankao.doctor');
    const cardioOnB = await login(b.url, 'pku.cardio');
    const s = connect(b.url, cardioOnB);
    try {
      await connected(s);
      const changed = waitFor(
        s,
        'consultation:changed',
        (e: ConsultationChangedEvent) => e.state === 'submitted',
      );
      const note = waitFor(s, 'notification:new', (n) => n.kind === 'consultation.submitted');
      const c = await newRequest(a.url, lankaoOnA, 'Peking University First');
      expect((await changed).id).toBe(c.id);
      expect((await note).entityId).toBe(c.id);
    } finally {
      s.disconnect();
    }
  });

  it('keeps the clients of the other instances connected when one instance stops', async () => {
    // A third instance of the same deployment (same Redis namespace, same database) that will be stopped.
    const c = await startTestServer('postgres', {
      redisUrl: 'redis://127.0.0.1:6379',
      databaseSchema: a.schema,
    });
    const onB = connect(b.url, await login(b.url, 'pku.cardio'));
    const onC = connect(c.url, await login(c.url, 'pku.cardio'));
    try {
      await Promise.all([connected(onB), connected(onC)]);
      const cClientGone = new Promise((resolve) => onC.once('disconnect', resolve));
      await c.close();
      await cClientGone;
      // Anything the stopping instance broadcast went through Redis before this request's event does.
      const changed = waitFor(onB, 'consultation:changed', (e) => e.state === 'submitted');
      const req = await newRequest(a.url, await login(a.url, 'lankao.doctor'), 'Peking University First');
      expect((await changed).id).toBe(req.id);
      expect(onB.connected).toBe(true);
    } finally {
      onB.disconnect();
      onC.disconnect();
    }
  });
});
