/**
 * Synchronized viewing against a real listening server: socket.io clients as presenter and followers, the
 * corpus CT uploaded through the imaging API, a live round whose agenda links it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const vp = viewportAt;

describe.each(DIALECTS)('synchronized viewing in a round (%s)', (dialect) => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const sockets: SyncClient[] = [];
  let host: HttpUser, radiologist: HttpUser, county: HttpUser, guest: HttpUser, outsider: HttpUser;
  let ct: { studyUid: string; studyId: string; seriesUid: string };
  let roundId: string;
  let consultationId: string;

  const socket = async (u: HttpUser) => {
    const s = await syncSocket(srv.url, u);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    srv = await startTestServer(dialect);
    host = await httpLogin(srv.url, 'pku.cardio');
    radiologist = await httpLogin(srv.url, 'pku.radiology');
    county = await httpLogin(srv.url, 'lankao.doctor');
    guest = await httpLogin(srv.url, 'anzhen.radiology');
    outsider = await httpLogin(srv.url, 'linquan.doctor');
    ct = await uploadCorpusCt(srv.url, county);
    ({ roundId, consultationId } = await seedLiveRound(srv.app.db, {
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

  it('mirrors the presenter: followers get every viewport update in order, late joiners get the state at once', async () => {
    const pres = await socket(radiologist);
    const follower = await socket(county);
    const joined = await cmd(pres, 'join', { roundId });
    expect(joined).toMatchObject({
      ok: true,
      data: { studies: [{ studyUid: ct.studyUid, studyId: ct.studyId }], me: { isHost: false } },
    });
    expect((await cmd(follower, 'join', { roundId })).ok).toBe(true);

    expect((await cmd(pres, 'takePresenter', { roundId })).ok).toBe(true);
    expect(
      (
        await cmd(pres, 'openStudy', {
          roundId,
          studyUid: ct.studyUid,
          viewport: vp(ct.studyUid, ct.seriesUid, 0),
        })
      ).ok,
    ).toBe(true);
    for (let i = 1; i <= 12; i++) {
      // Fire without awaiting: the server must keep the presenter's order.
      void cmd(pres, 'viewport', {
        roundId,
        viewport: vp(ct.studyUid, ct.seriesUid, i, { windowCenter: -600, windowWidth: 1500 }),
      });
    }
    await until(
      () => follower.events.filter((e) => e.op.type === 'viewport').length === 12,
      '12 viewport events',
    );
    const seqs = follower.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const last = follower.events.at(-1)!;
    expect(last.op).toMatchObject({
      type: 'viewport',
      viewport: { imageIndex: 12, windowCenter: -600, windowWidth: 1500 },
    });

    // A follower cannot drive the viewer.
    expect(
      await cmd(follower, 'viewport', { roundId, viewport: vp(ct.studyUid, ct.seriesUid, 3) }),
    ).toMatchObject({ ok: false, code: 'forbidden' });

    // The late joiner (the host) sees slice 13 and the presenter immediately in the join answer.
    const late = await socket(host);
    const snap = await cmd(late, 'join', { roundId });
    if (!snap.ok) throw new Error(snap.message);
    expect(snap.data.me.isHost).toBe(true);
    expect(snap.data.state.presenter?.userId).toBe(radiologist.id);
    expect(snap.data.state.viewport).toMatchObject({ imageIndex: 12, windowCenter: -600 });
    expect(snap.data.state.seq).toBe(last.seq);

    // The host takes presenting back; everyone is told.
    expect((await cmd(late, 'takePresenter', { roundId })).ok).toBe(true);
    await until(
      () =>
        follower.events.some((e) => e.op.type === 'presenterChanged' && e.op.presenter?.userId === host.id),
      'presenter change',
    );
    expect(
      await cmd(pres, 'viewport', { roundId, viewport: vp(ct.studyUid, ct.seriesUid, 1) }),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    // ...and hands it back to the radiologist.
    expect((await cmd(late, 'handOver', { roundId, toUserId: radiologist.id })).ok).toBe(true);
    expect(await cmd(late, 'handOver', { roundId, toUserId: outsider.id })).toMatchObject({ ok: false });
  });

  it('shares drafts live and persists finished marks; concurrent edits: the first wins, the loser is told', async () => {
    const pres = await socket(radiologist);
    const pres2 = await socket(radiologist); // the same radiologist on a second device
    const follower = await socket(county);
    for (const s of [pres, pres2, follower]) expect((await cmd(s, 'join', { roundId })).ok).toBe(true);
    const snap = await cmd(pres, 'join', { roundId });
    if (!snap.ok || snap.data.state.presenter?.userId !== radiologist.id)
      throw new Error('radiologist should be presenting');

    const id = crypto.randomUUID();
    const target = {
      studyUid: ct.studyUid,
      seriesUid: ct.seriesUid,
      sopInstanceUid: '',
      frame: 0,
      imageIndex: 6,
    };
    const detail = await http(srv.url, radiologist, 'GET', `/api/imaging/studies/${ct.studyId}`);
    expect(detail.status).toBe(200);
    target.sopInstanceUid = detail.json.series[0].instances[6].sopInstanceUid;

    // Drawing: the follower sees the draft with the author's name and colour before anything is stored.
    expect(
      (
        await cmd(pres, 'draft', {
          roundId,
          id,
          draft: {
            target,
            tool: 'Length',
            data: {
              points: [
                [10, 10],
                [40, 50],
              ],
            },
          },
        })
      ).ok,
    ).toBe(true);
    await until(() => follower.drafts.some((d) => d.id === id), 'draft');
    expect(follower.drafts.find((d) => d.id === id)).toMatchObject({
      authorId: radiologist.id,
      authorName: '周医生 Dr. Zhou',
      color: expect.stringMatching(/^#/),
    });
    // A follower who was not allowed to draw cannot send drafts.
    expect(await cmd(follower, 'draft', { roundId, id, draft: null })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });

    const commit = await cmd(pres, 'annotationCommit', {
      roundId,
      opId: `commit-${id}`,
      annotation: {
        id,
        target,
        tool: 'Length',
        data: {
          points: [
            [10, 10],
            [60, 80],
          ],
          // the author's preview; the store measures again and everyone gets its value
          measurements: [{ kind: 'length', value: 1, unit: 'px' }],
        },
      },
    });
    expect(commit).toMatchObject({ ok: true, data: { version: 1 } });
    // A retry of the same command is answered with the same seq and stores nothing twice.
    const again = await cmd(pres, 'annotationCommit', {
      roundId,
      opId: `commit-${id}`,
      annotation: {
        id,
        target,
        tool: 'Length',
        data: {
          points: [
            [10, 10],
            [60, 80],
          ],
        },
      },
    });
    expect(again.ok && commit.ok && again.data.seq).toBe(commit.ok && commit.data.seq);
    await until(
      () => follower.events.some((e) => e.op.type === 'annotationUpserted' && e.op.annotation.id === id),
      'annotation event',
    );

    const stored = await http(srv.url, county, 'GET', `/api/imaging/studies/${ct.studyId}/annotations`);
    expect(stored.status).toBe(200);
    expect(stored.json).toHaveLength(1);
    expect(stored.json[0]).toMatchObject({
      tool: 'Length',
      authorId: radiologist.id,
      sopInstanceUid: target.sopInstanceUid,
      version: 1,
    });
    // Stored in the one annotation model, measured by the store with the image's PixelSpacing.
    expect(stored.json[0].points).toEqual([
      [10, 10],
      [60, 80],
    ]);
    expect(stored.json[0].measurements).toEqual([{ kind: 'length', value: expect.any(Number), unit: 'mm' }]);
    const upserted = follower.events.find(
      (e) => e.op.type === 'annotationUpserted' && e.op.annotation.id === id,
    )!.op as { annotation: { data: { measurements?: unknown } } };
    expect(upserted.annotation.data.measurements).toEqual(stored.json[0].measurements);

    // Two devices edit version 1 at once: exactly one wins.
    const [a, b] = await Promise.all([
      cmd(pres, 'annotationUpdate', {
        roundId,
        opId: `upd-a-${id}`,
        id,
        baseVersion: 1,
        data: {
          points: [
            [0, 0],
            [5, 5],
          ],
        },
      }),
      cmd(pres2, 'annotationUpdate', {
        roundId,
        opId: `upd-b-${id}`,
        id,
        baseVersion: 1,
        data: {
          points: [
            [9, 9],
            [1, 1],
          ],
        },
      }),
    ]);
    const results = [a, b];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, code: 'conflict' });
    const after = await http(srv.url, county, 'GET', `/api/imaging/studies/${ct.studyId}/annotations`);
    expect(after.json[0].version).toBe(2);

    // Only the author changes a mark.
    expect(
      await cmd(follower, 'annotationDelete', { roundId, opId: `del-f-${id}`, id, baseVersion: 2 }),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    expect((await cmd(pres, 'annotationDelete', { roundId, opId: `del-${id}`, id, baseVersion: 2 })).ok).toBe(
      true,
    );
    const gone = await http(srv.url, county, 'GET', `/api/imaging/studies/${ct.studyId}/annotations`);
    expect(gone.json).toHaveLength(0);

    // The laser pointer is relayed, never stored.
    expect((await cmd(pres, 'laser', { roundId, point: { imageIndex: 6, x: 100, y: 120 } })).ok).toBe(true);
    await until(() => follower.lasers.length > 0, 'laser');
    expect(follower.lasers[0]).toMatchObject({ userId: radiologist.id, point: { x: 100, y: 120 } });
  });

  it('a round presents a case only with the county’s consent, read-only, while the participant takes part; removal revokes sockets and DICOMweb at once', async () => {
    const qido = (u: HttpUser) => http(srv.url, u, 'GET', `/dicomweb/studies/${ct.studyUid}/metadata`);
    // Anzhen takes no part in the consultation: the live round alone does not open the study.
    expect((await qido(guest)).status).toBe(404);
    expect((await qido(outsider)).status).toBe(404);
    const outsiderSocket = await socket(outsider);
    expect(await cmd(outsiderSocket, 'join', { roundId })).toMatchObject({ ok: false, code: 'not_found' });
    // A colleague of the host at PKU who was not invited may see and join the round (rounds capability), but
    // sees none of the case's studies, not even their UIDs.
    const colleague = await socket(await httpLogin(srv.url, 'pku.nephro'));
    expect(await cmd(colleague, 'join', { roundId })).toMatchObject({
      ok: true,
      data: { me: { isHost: false }, studies: [] },
    });
    // The requesting county hospital consents to teaching use: the round's audience now sees it, read-only.
    const share = await http(srv.url, county, 'PUT', `/api/consultations/${consultationId}/teaching-share`, {
      shared: true,
    });
    expect(share.status, share.text).toBe(200);
    expect((await qido(guest)).status).toBe(200);
    expect((await qido(outsider)).status).toBe(404);
    const annotate = await http(srv.url, guest, 'POST', `/api/imaging/studies/${ct.studyId}/annotations`, {
      sopInstanceUid: '1.2.3',
      frame: 0,
      tool: 'Length',
      data: {},
    });
    expect(annotate.status).toBe(403);
    expect(await cmd(colleague, 'join', { roundId })).toMatchObject({
      ok: true,
      data: { studies: [{ studyUid: ct.studyUid }] },
    });

    const g = await socket(guest);
    const snap = await cmd(g, 'join', { roundId });
    expect(snap.ok).toBe(true);
    expect((await cmd(g, 'follow', { roundId, following: false })).ok).toBe(true);
    // The host hands presenting to the guest just before removing them.
    const hostSocket = await socket(host);
    expect((await cmd(hostSocket, 'join', { roundId })).ok).toBe(true);
    expect((await cmd(hostSocket, 'handOver', { roundId, toUserId: guest.id })).ok).toBe(true);

    // The host removes Anzhen from the round through the rounds API.
    const res = await http(srv.url, host, 'PATCH', `/api/rounds/${roundId}`, {
      inviteeIds: [radiologist.id, county.id],
    });
    expect(res.status, res.text).toBe(200);
    await until(() => g.revoked.length > 0, 'sync:revoked');
    expect(g.revoked[0]).toEqual({ roundId, reason: 'removed' });
    // Their presenting ends with them.
    await until(
      () => hostSocket.events.some((e) => e.op.type === 'presenterChanged' && e.op.presenter === null),
      'presenting ended',
    );
    expect(await cmd(g, 'follow', { roundId, following: true })).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect((await qido(guest)).status).toBe(404);
    expect(await cmd(g, 'join', { roundId })).toMatchObject({ ok: false, code: 'not_found' });

    // When the round ends, everyone is out and the study closes again for round-only participants.
    const follower = sockets.find((s) => s.connected && s !== g && s !== outsiderSocket)!;
    const end = await http(srv.url, host, 'POST', `/api/rounds/${roundId}/end`, {});
    expect(end.status).toBe(200);
    await until(() => follower.revoked.some((r) => r.roundId === roundId && r.reason === 'ended'), 'ended');
  });
});
