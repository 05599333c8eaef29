/**
 * Two server nodes sharing PostgreSQL and Redis (127.0.0.1:6379): the sync state lives in Redis, events cross
 * nodes through the socket.io Redis adapter, and concurrent changes on different nodes resolve by the
 * compare-and-set on the round's seq.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncCommand, type SyncState, type SyncViewport } from '@consult/shared';
import type { Running } from '../server';
import { cluster, TEST_REDIS_URL as REDIS_URL } from '../testing/cluster';
import { RedisSyncStore } from './store';
import {
  cmd,
  http,
  httpLogin,
  seedLiveRound,
  syncSocket,
  until,
  uploadCorpusCt,
  type HttpUser,
  type SyncClient,
} from './testing';

describe('RedisSyncStore', () => {
  it('sequences concurrent changes from two nodes without losing or repeating one', async () => {
    const prefix = `synctest:${crypto.randomUUID()}:`;
    const [a, b] = await Promise.all([
      RedisSyncStore.connect(REDIS_URL, { prefix }),
      RedisSyncStore.connect(REDIS_URL, { prefix }),
    ]);
    try {
      const roundId = crypto.randomUUID();
      const users = [crypto.randomUUID(), crypto.randomUUID()];
      // Each "node" toggles follow for its own user 50 times, interleaved, ending detached.
      const step = (userId: string, following: boolean) => (s: SyncState) => {
        const r = runSyncCommand(
          s,
          { type: 'follow', roundId, following },
          { actor: { userId, displayName: userId }, isHost: false, studyUids: [] },
          0,
        );
        if (!r.ok || !('state' in r)) throw new Error('refused');
        return { next: r.state, result: r.event.seq };
      };
      const work: Promise<number>[] = [];
      for (let i = 0; i < 50; i++) {
        work.push(a.transact(roundId, step(users[0]!, i % 2 === 0)));
        work.push(b.transact(roundId, step(users[1]!, i % 2 === 0)));
      }
      const seqs = await Promise.all(work);
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const final = await a.get(roundId);
      expect(final.seq).toBe(100);
      expect(final.detached.sort()).toEqual([...users].sort());
      expect(a.retries + b.retries).toBeGreaterThan(0);
      await a.clear(roundId);
      expect((await b.get(roundId)).seq).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('synchronized viewing across two nodes behind Redis', () => {
  // Nodes share the database, Redis (under this file's own key prefix) and the blob storage.
  const nodes = cluster();
  let nodeA: Running;
  let nodeB: Running;
  const startNode = () => nodes.node();
  const sockets: SyncClient[] = [];
  let roundId: string;
  let ct: { studyUid: string; studyId: string; seriesUid: string };
  let users: Record<string, { a: HttpUser; b: HttpUser }>;

  beforeAll(async () => {
    nodeA = await startNode();
    nodeB = await startNode();
    users = {};
    for (const n of ['pku.cardio', 'pku.radiology', 'lankao.doctor', 'anzhen.radiology', 'yonghe.doctor']) {
      users[n] = { a: await httpLogin(nodeA.url, n), b: await httpLogin(nodeB.url, n) };
    }
    ct = await uploadCorpusCt(nodeA.url, users['lankao.doctor']!.a);
    ({ roundId } = await seedLiveRound(nodeA.app.db, {
      host: 'pku.cardio',
      invitees: ['pku.radiology', 'lankao.doctor', 'anzhen.radiology', 'yonghe.doctor'],
      requester: 'lankao.doctor',
      consultant: 'pku.radiology',
      studyUid: ct.studyUid,
      // Invitees of other hospitals follow the case here: a teaching round with the county's consent.
      sharedForTeaching: true,
    }));
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await nodes.close();
  });

  const on = async (node: 'a' | 'b', username: string) => {
    const srv = node === 'a' ? nodeA : nodeB;
    const s = await syncSocket(srv.url, users[username]![node]);
    sockets.push(s);
    const j = await cmd(s, 'join', { roundId });
    if (!j.ok) throw new Error(j.message);
    return s;
  };

  it('resolves a presenter race between nodes deterministically and mirrors the viewport across nodes in order', async () => {
    const rad = await on('a', 'pku.radiology');
    const county = await on('b', 'lankao.doctor');
    const yonghe = await on('b', 'yonghe.doctor');
    // Two participants on different nodes ask to present at the same moment: exactly one wins.
    const [r1, r2] = await Promise.all([
      cmd(rad, 'takePresenter', { roundId }),
      cmd(county, 'takePresenter', { roundId }),
    ]);
    expect([r1, r2].filter((r) => r.ok)).toHaveLength(1);
    expect([r1, r2].find((r) => !r.ok)).toMatchObject({ code: 'conflict' });
    const presenter = r1.ok ? rad : county;

    const vp = (i: number): SyncViewport => ({
      studyUid: ct.studyUid,
      seriesUid: ct.seriesUid,
      imageIndex: i % 13,
      windowCenter: -600,
      windowWidth: 1500,
      zoom: 1 + i / 100,
      pan: [i, -i],
      rotation: 0,
      flipHorizontal: false,
      flipVertical: false,
      invert: false,
      cine: { playing: false, fps: 10 },
    });
    expect((await cmd(presenter, 'openStudy', { roundId, studyUid: ct.studyUid, viewport: vp(0) })).ok).toBe(
      true,
    );
    // A burst, as a presenter scrolling through slices sends it: 30 updates without waiting for acknowledgements.
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, k) => cmd(presenter, 'viewport', { roundId, viewport: vp(k + 1) })),
    );
    expect(acks.filter((r) => !r.ok)).toEqual([]);
    const acked = acks.map((r) => (r.ok ? r.data.seq : 0));
    expect(acked).toEqual(Array.from({ length: 30 }, (_, i) => acked[0]! + i));
    await until(
      () => yonghe.events.filter((e) => e.op.type === 'viewport').length === 30,
      '30 updates on node B',
    );
    const seqs = yonghe.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(yonghe.events.at(-1)!.op).toMatchObject({
      type: 'viewport',
      viewport: { imageIndex: 30 % 13, zoom: 1.3 },
    });

    // A late joiner on node B reads the state node A wrote.
    const late = await syncSocket(nodeB.url, users['pku.cardio']!.b);
    sockets.push(late);
    const snap = await cmd(late, 'join', { roundId });
    expect(snap.ok && snap.data.state.viewport?.imageIndex).toBe(30 % 13);
    expect(snap.ok && snap.data.state.seq).toBe(yonghe.events.at(-1)!.seq);
  });

  it('revokes a participant connected to node B when the host removes them on node A', async () => {
    const guest = await on('b', 'anzhen.radiology');
    expect(
      (
        await http(
          nodeB.url,
          users['anzhen.radiology']!.b,
          'GET',
          `/dicomweb/studies/${ct.studyUid}/metadata`,
        )
      ).status,
    ).toBe(200);
    const keep = ['pku.radiology', 'lankao.doctor', 'yonghe.doctor'].map((n) => users[n]!.a.id);
    const res = await http(nodeA.url, users['pku.cardio']!.a, 'PATCH', `/api/rounds/${roundId}`, {
      title: 'Round',
      inviteeIds: keep,
    });
    expect(res.status, res.text).toBe(200);
    await until(() => guest.revoked.length > 0, 'revoked on node B');
    expect(await cmd(guest, 'follow', { roundId, following: false })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(
      (
        await http(
          nodeB.url,
          users['anzhen.radiology']!.b,
          'GET',
          `/dicomweb/studies/${ct.studyUid}/metadata`,
        )
      ).status,
    ).toBe(404);
  });
});
