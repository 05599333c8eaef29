/**
 * Rounds present cases, they don't grant them — over real sockets on two nodes (PostgreSQL + Redis):
 *  - every client→server socket event (sync:* and round:*) sent by every demo user, while the host presents
 *    case A to a live round that invites a doctor of another county: nobody receives anything of a case they
 *    are not entitled to (names, UIDs), in acks or in pushed events; the outsider gets `withheld` operations;
 *  - the requesting hospital's teaching consent opens the case to that invitee, read-only, on the other node;
 *    an agenda edit, a withdrawn consent and the end of the round close it again at once.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import {
  ROUND_METHODS,
  RoundRequestSchemas,
  SESSION_COOKIE,
  SYNC_COMMANDS,
  SyncCommandSchemas,
} from '@consult/shared';
import { injectHelpers, testConfig, type TestApp } from '../testing/harness';
import type { Running } from '../server';
import { cmd, until, viewportAt, type SyncClient } from '../sync/testing';
import { cluster } from '../testing/cluster';
import {
  buildWorld,
  forbiddenMarkers,
  sampleOf,
  USERS,
  type UserName,
  type World,
} from './world.test-helper';

type Recorder = SyncClient & { seen: string[] };

async function socketFor(baseUrl: string, cookie: string): Promise<Recorder> {
  const s = connect(baseUrl, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { cookie: `${SESSION_COOKIE}=${cookie}` },
    reconnection: false,
    forceNew: true,
  }) as Recorder;
  s.seen = [];
  s.events = [];
  s.onAny((name: string, payload: unknown) => {
    s.seen.push(`${name} ${JSON.stringify(payload)}`);
    if (name === 'sync:event') s.events.push(payload as never);
  });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

const ack = (s: Recorder, event: string, data: unknown) =>
  (s.timeout(10_000) as unknown as { emitWithAck(e: string, d: unknown): Promise<unknown> })
    .emitWithAck(event, data)
    .catch((e: Error) => ({ timeout: e.message }));

describe('rounds present cases, they do not grant them (two nodes)', () => {
  const nodes = cluster();
  let a: Running;
  let b: Running;
  let t: TestApp;
  let w: World;
  const sockets: Recorder[] = [];
  const on = async (n: Running, u: UserName) => {
    const s = await socketFor(n.url, w.s[u].cookie);
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    a = await nodes.node();
    b = await nodes.node();
    t = {
      app: a.app,
      db: a.app.db,
      config: testConfig(),
      ...injectHelpers(a.app),
      close: async () => undefined,
    };
    w = await buildWorld(t);
  }, 300_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await nodes.close();
  });

  it('every socket event from every user: nothing of a case reaches anyone outside its care team', async () => {
    const A = w.cases.A;
    const host = await on(a, 'pku.cardio');
    expect(await cmd(host, 'join', { roundId: w.roundId })).toMatchObject({ ok: true });
    expect((await cmd(host, 'takePresenter', { roundId: w.roundId })).ok).toBe(true);
    const open = await cmd(host, 'openStudy', {
      roundId: w.roundId,
      studyUid: A.studyUid,
      viewport: viewportAt(A.studyUid, A.seriesUid, 0),
    });
    expect(open.ok).toBe(true);

    const socketsByUser = new Map<UserName, Recorder>();
    for (const [i, u] of USERS.entries()) socketsByUser.set(u, await on(i % 2 ? a : b, u));
    const acks = new Map<UserName, string[]>();
    for (const u of USERS) {
      const s = socketsByUser.get(u)!;
      const mine: string[] = [];
      for (const type of SYNC_COMMANDS) {
        const data = { ...(sampleOf(SyncCommandSchemas[type]) as object), roundId: w.roundId };
        if (type === 'openStudy') Object.assign(data, { studyUid: A.studyUid, viewport: null });
        mine.push(`sync:${type} ${JSON.stringify(await ack(s, `sync:${type}`, data))}`);
      }
      for (const method of ROUND_METHODS) {
        const data = { ...(sampleOf(RoundRequestSchemas[method]) as object) };
        if (method === 'join') Object.assign(data, { roundId: w.roundId });
        mine.push(`round:${method} ${JSON.stringify(await ack(s, `round:${method}`, data))}`);
      }
      mine.push(`notification:sync ${JSON.stringify(await ack(s, 'notification:sync', null))}`);
      acks.set(u, mine);
    }
    // The outsider of another county, invited: in the viewer, but the case's study is not theirs.
    const linquan = socketsByUser.get('linquan.doctor')!;
    const joined = await cmd(linquan, 'join', { roundId: w.roundId });
    expect(joined).toMatchObject({
      ok: true,
      data: { studies: [], state: { studyUid: null, viewport: null } },
    });
    // A last presenter move that everyone in the viewer must have received before the check.
    const last = await cmd(host, 'viewport', {
      roundId: w.roundId,
      viewport: viewportAt(A.studyUid, A.seriesUid, 0),
    });
    if (!last.ok) throw new Error(last.message);
    await until(
      () => linquan.events.some((e) => e.seq >= last.data.seq),
      'the last event reaches the outsider',
      15_000,
    );
    expect(linquan.events.find((e) => e.seq === last.data.seq)?.op).toEqual({ type: 'withheld' });

    const leaks: string[] = [];
    for (const u of USERS) {
      const everything = [...acks.get(u)!, ...socketsByUser.get(u)!.seen].join('\n');
      for (const m of forbiddenMarkers(w, u)) if (everything.includes(m)) leaks.push(`${u} saw ${m}`);
    }
    expect(leaks).toEqual([]);
    // Outsiders of the round cannot enter its viewer at all.
    expect(acks.get('wanquan.doctor')!.find((x) => x.startsWith('sync:join'))).toContain('not_found');
  }, 180_000);

  it('consent opens the case to the round’s audience on every node; agenda edit, withdrawal and the end close it at once', async () => {
    const A = w.cases.A;
    const outsider = w.s['linquan.doctor'];
    const view = (n: Running) =>
      fetch(`${n.url}/dicomweb/studies/${A.studyUid}/metadata`, {
        headers: { cookie: `${SESSION_COOKIE}=${outsider.cookie}` },
      }).then((r) => r.status);
    const share = (shared: boolean) =>
      t.as(w.s['lankao.doctor'], {
        method: 'PUT',
        url: `/api/consultations/${A.consultation.id}/teaching-share`,
        payload: { shared },
      });
    const agenda = (items: { title: string; consultationId?: string }[]) =>
      t.as(w.s['pku.cardio'], {
        method: 'PATCH',
        url: `/api/rounds/${w.roundId}`,
        payload: { agenda: items },
      });
    const host = await on(a, 'pku.cardio');
    expect((await cmd(host, 'join', { roundId: w.roundId })).ok).toBe(true);
    const seat = await on(b, 'linquan.doctor');
    expect((await cmd(seat, 'join', { roundId: w.roundId })).ok).toBe(true);
    const move = async (i: number) => {
      const r = await cmd(host, 'viewport', {
        roundId: w.roundId,
        viewport: viewportAt(A.studyUid, A.seriesUid, i),
      });
      if (!r.ok) throw new Error(r.message);
      await until(() => seat.events.some((e) => e.seq === r.data.seq), `event ${r.data.seq} on node b`);
      return seat.events.find((e) => e.seq === r.data.seq)!.op;
    };

    expect(await view(b)).toBe(404);
    expect(await move(1)).toEqual({ type: 'withheld' });

    expect((await share(true)).statusCode).toBe(200);
    expect(await view(b)).toBe(200);
    expect(await move(2)).toMatchObject({ type: 'viewport', viewport: { studyUid: A.studyUid } });
    // Read-only: no marks into the case's study.
    const mark = await t.as(outsider, {
      method: 'POST',
      url: `/api/imaging/studies/${A.imagingStudyId}/annotations`,
      payload: {
        sopInstanceUid: A.sopUid,
        frame: 0,
        tool: 'Length',
        points: [
          [1, 1],
          [2, 2],
        ],
      },
    });
    expect(mark.statusCode).toBe(403);

    expect((await agenda([{ title: 'Other business' }])).statusCode).toBe(200);
    expect(await view(b)).toBe(404);
    expect((await agenda([{ title: 'Case 1', consultationId: A.consultation.id }])).statusCode).toBe(200);
    expect(await view(b)).toBe(200);

    expect((await share(false)).statusCode).toBe(200);
    expect(await view(b)).toBe(404);
    expect(await move(3)).toEqual({ type: 'withheld' });

    expect((await share(true)).statusCode).toBe(200);
    expect(await view(a)).toBe(200);
    const end = await t.as(w.s['pku.cardio'], { method: 'POST', url: `/api/rounds/${w.roundId}/end` });
    expect(end.statusCode).toBe(200);
    expect(await view(a)).toBe(404);
    expect(await view(b)).toBe(404);
    // The care team keeps its case after the round.
    expect(
      (await t.as(w.s['pku.radiology'], { url: `/dicomweb/studies/${A.studyUid}/metadata` })).statusCode,
    ).toBe(200);
    // A recording outlives the round: only the care teams of the cases it shows may watch it (the file is absent
    // here, so the team gets past the policy to a 404 for the file; the consenting county's invitee does not).
    const recId = crypto.randomUUID();
    await t.db
      .insertInto('round_recordings')
      .values({
        id: recId,
        round_id: w.roundId,
        status: 'ready',
        file_name: `${recId}.webm`,
        mime_type: 'video/webm',
        size_bytes: 0,
        started_by: w.s['pku.cardio'].userId,
        started_at: new Date(),
        ended_at: new Date(),
      })
      .execute();
    const watch = (u: UserName) => t.as(w.s[u], { url: `/api/rounds/${w.roundId}/recordings/${recId}/file` });
    expect((await watch('linquan.doctor')).statusCode).toBe(403);
    expect((await watch('pku.radiology')).statusCode).toBe(404);
  }, 180_000);
});
