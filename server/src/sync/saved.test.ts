/**
 * Saved marks in the round viewer: a mark stored from the standalone viewer joins the round's state when its
 * study opens, on the stack position the viewers show, with the stored values; a participant who may not view
 * the study gets `withheld`; only its author changes it; opening the study again adds no copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncAnnotation } from '@consult/shared';
import { DIALECTS, startTestServer } from '../testing/harness';
import {
  cmd,
  http,
  httpLogin,
  seedLiveRound,
  syncSocket,
  until,
  uploadCorpusCt,
  viewportAt,
  type HttpUser,
  type SyncClient,
} from './testing';

describe.each(DIALECTS)('saved marks in the round viewer (%s)', (dialect) => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const sockets: SyncClient[] = [];
  let radiologist: HttpUser, county: HttpUser, guest: HttpUser;
  let ct: { studyUid: string; studyId: string; seriesUid: string };
  let roundId: string;

  beforeAll(async () => {
    srv = await startTestServer(dialect);
    radiologist = await httpLogin(srv.url, 'pku.radiology');
    county = await httpLogin(srv.url, 'lankao.doctor');
    guest = await httpLogin(srv.url, 'anzhen.radiology');
    ct = await uploadCorpusCt(srv.url, county);
    ({ roundId } = await seedLiveRound(srv.app.db, {
      host: 'pku.cardio',
      invitees: ['pku.radiology', 'lankao.doctor', 'anzhen.radiology'],
      requester: 'lankao.doctor',
      consultant: 'pku.radiology',
      studyUid: ct.studyUid,
    }));
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await srv?.close();
  });
  const socket = async (u: HttpUser) => {
    const s = await syncSocket(srv.url, u);
    sockets.push(s);
    return s;
  };
  const upserted = (s: SyncClient, storeId: string) =>
    s.events
      .map((e) => e.op)
      .filter((op) => op.type === 'annotationUpserted' && op.annotation.storeId === storeId)
      .map((op) => (op as { annotation: SyncAnnotation }).annotation);

  it('a stored mark appears for the team on the right image, withheld from others, editable by its author only', async () => {
    const detail = await http(srv.url, radiologist, 'GET', `/api/imaging/studies/${ct.studyId}`);
    const series = detail.json.series.find(
      (s: { seriesInstanceUid: string }) => s.seriesInstanceUid === ct.seriesUid,
    );
    const stack = [...series.instances].sort(
      (a: { instanceNumber: number }, b: { instanceNumber: number }) => a.instanceNumber - b.instanceNumber,
    );
    const stored = await http(
      srv.url,
      radiologist,
      'POST',
      `/api/imaging/studies/${ct.studyId}/annotations`,
      {
        sopInstanceUid: stack[4].sopInstanceUid,
        frame: 0,
        tool: 'Length',
        points: [
          [10, 10],
          [40, 50],
        ],
      },
    );
    expect(stored.status, JSON.stringify(stored.json)).toBe(201);

    const pres = await socket(radiologist);
    const follower = await socket(county);
    const outsider = await socket(guest);
    for (const s of [pres, follower, outsider]) expect((await cmd(s, 'join', { roundId })).ok).toBe(true);
    expect((await cmd(pres, 'takePresenter', { roundId })).ok).toBe(true);
    const open = () =>
      cmd(pres, 'openStudy', {
        roundId,
        studyUid: ct.studyUid,
        viewport: viewportAt(ct.studyUid, ct.seriesUid, 0),
      });
    expect((await open()).ok).toBe(true);

    await until(() => upserted(follower, stored.json.id).length === 1, 'the saved mark in the round');
    const mark = upserted(follower, stored.json.id)[0]!;
    expect(mark.target).toMatchObject({ studyUid: ct.studyUid, seriesUid: ct.seriesUid, imageIndex: 4 });
    expect(mark.target.sopInstanceUid).toBe(stack[4].sopInstanceUid);
    expect(mark.authorId).toBe(radiologist.id);
    expect(mark.data.measurements).toEqual(stored.json.measurements);
    expect(mark.version).toBe(1);
    // Outside the care team, without consent: the same operations arrive withheld, never the mark.
    await until(() => outsider.events.length >= follower.events.length, 'the outsider got as many events');
    expect(JSON.stringify(outsider.events)).not.toContain(stored.json.id);
    expect(outsider.events.some((e) => e.op.type === 'withheld')).toBe(true);

    const moved = {
      points: [
        [12, 12],
        [44, 52],
      ] as [number, number][],
    };
    const notMine = await cmd(follower, 'annotationUpdate', {
      roundId,
      opId: 'saved-op-1',
      id: mark.id,
      baseVersion: 1,
      data: moved,
    });
    expect(notMine).toMatchObject({ ok: false, code: 'not_author' });
    const mine = await cmd(pres, 'annotationUpdate', {
      roundId,
      opId: 'saved-op-2',
      id: mark.id,
      baseVersion: 1,
      data: moved,
    });
    expect(mine).toMatchObject({ ok: true, data: { version: 2 } });
    const after = await http(srv.url, county, 'GET', `/api/imaging/studies/${ct.studyId}/annotations`);
    expect(after.json.find((a: { id: string }) => a.id === stored.json.id)).toMatchObject({
      version: 2,
      points: moved.points,
    });

    // Opening the study again adds no second copy.
    const before = follower.events.length;
    expect((await open()).ok).toBe(true);
    await until(() => follower.events.length > before, 'the reopen event');
    const snap = await cmd(follower, 'join', { roundId });
    if (!snap.ok) throw new Error(snap.message);
    const copies = Object.values(snap.data.state.annotations).filter((a) => a.storeId === stored.json.id);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.version).toBe(2);
  });
});
