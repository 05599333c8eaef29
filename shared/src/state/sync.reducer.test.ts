/** Sync reducer decisions: who presents, the shared viewport, and annotations (versions, permissions, replays). */
import { describe, expect, it } from 'vitest';
import type { SyncStateCommand } from '../events/sync';
import { authorColor } from '../schemas/sync';
import { decideSyncCommand, initialSyncState, RECENT_OPS_LIMIT, runSyncCommand } from './sync.reducer';
import {
  ROUND,
  HOST,
  RAD,
  COUNTY,
  STUDY,
  OTHER_STUDY,
  ANN,
  ctx,
  vp,
  target,
  lengthData,
  run,
  presenting,
} from './sync.reducer.test-helper';

describe('sync reducer: presenting', () => {
  it('lets the first participant become presenter and refuses a second one, but the host takes it back', () => {
    const { state } = presenting();
    expect(state.presenter).toEqual(RAD);
    const county = decideSyncCommand(state, { type: 'takePresenter', roundId: ROUND }, ctx(COUNTY));
    expect(county).toMatchObject({ ok: false, code: 'conflict' });
    const host = runSyncCommand(state, { type: 'takePresenter', roundId: ROUND }, ctx(HOST), 5);
    expect(host.ok && 'state' in host && host.state.presenter).toEqual(HOST);
  });

  it('hands over only to a resolved participant and only by the presenter or host', () => {
    const { state } = presenting();
    const cmd: SyncStateCommand = { type: 'handOver', roundId: ROUND, toUserId: COUNTY.userId };
    expect(decideSyncCommand(state, cmd, ctx(COUNTY, { target: COUNTY }))).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(decideSyncCommand(state, cmd, ctx(RAD, { target: null }))).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    const r = runSyncCommand(state, cmd, ctx(RAD, { target: COUNTY }), 5);
    expect(r.ok && 'state' in r && r.state.presenter).toEqual(COUNTY);
  });

  it('resets who may draw when the presenter changes', () => {
    const { state } = run(
      [
        [{ type: 'allowDraw', roundId: ROUND, userId: COUNTY.userId, allowed: true }, ctx(RAD)],
        [{ type: 'takePresenter', roundId: ROUND }, ctx(HOST)],
      ],
      presenting().state,
    );
    expect(state.drawers).toEqual([]);
  });

  it('only opens studies linked to the round, and not over the presenter', () => {
    const { state } = presenting();
    expect(
      decideSyncCommand(
        state,
        { type: 'openStudy', roundId: ROUND, studyUid: OTHER_STUDY, viewport: null },
        ctx(RAD),
      ),
    ).toMatchObject({ ok: false, code: 'not_found' });
    expect(
      decideSyncCommand(
        state,
        { type: 'openStudy', roundId: ROUND, studyUid: STUDY, viewport: null },
        ctx(COUNTY),
      ),
    ).toMatchObject({ ok: false, code: 'forbidden' });
    // While nobody presents, any participant may open a linked study for everyone.
    const r = decideSyncCommand(
      initialSyncState(ROUND),
      { type: 'openStudy', roundId: ROUND, studyUid: STUDY, viewport: null },
      ctx(COUNTY),
    );
    expect(r.ok).toBe(true);
  });
});

describe('sync reducer: viewport', () => {
  it('accepts viewport updates from the presenter only, in seq order', () => {
    const { state, events } = run(
      [
        [
          { type: 'viewport', roundId: ROUND, viewport: vp(6, { windowCenter: -600, windowWidth: 1500 }) },
          ctx(RAD),
        ],
        [
          { type: 'viewport', roundId: ROUND, viewport: vp(6, { zoom: 2, pan: [12, -4], rotation: 90 }) },
          ctx(RAD),
        ],
      ],
      presenting().state,
    );
    expect(events.map((e) => e.seq)).toEqual([3, 4]);
    expect(state.seq).toBe(4);
    expect(state.viewport).toMatchObject({ imageIndex: 6, zoom: 2, pan: [12, -4], rotation: 90 });
    expect(
      decideSyncCommand(state, { type: 'viewport', roundId: ROUND, viewport: vp(1) }, ctx(COUNTY)),
    ).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
  });

  it('refuses a viewport of a study that is not open', () => {
    const { state } = presenting();
    const r = decideSyncCommand(
      state,
      { type: 'viewport', roundId: ROUND, viewport: vp(1, { studyUid: OTHER_STUDY }) },
      ctx(RAD),
    );
    expect(r).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('records detach and re-attach per user', () => {
    const { state } = run(
      [
        [{ type: 'follow', roundId: ROUND, following: false }, ctx(COUNTY)],
        [{ type: 'follow', roundId: ROUND, following: false }, ctx(COUNTY)],
      ],
      presenting().state,
    );
    expect(state.detached).toEqual([COUNTY.userId]);
    const back = run([[{ type: 'follow', roundId: ROUND, following: true }, ctx(COUNTY)]], state).state;
    expect(back.detached).toEqual([]);
  });
});

describe('sync reducer: annotations', () => {
  const commit = (id = ANN, opId = 'op-commit-1'): SyncStateCommand => ({
    type: 'annotationCommit',
    roundId: ROUND,
    opId,
    annotation: { id, target, tool: 'Length', data: lengthData },
  });

  it('creates version 1 colored and labelled by its author', () => {
    const { state } = run([[commit(), ctx(RAD)]], presenting().state);
    expect(state.annotations[ANN]).toMatchObject({
      version: 1,
      authorId: RAD.userId,
      authorName: RAD.displayName,
      color: authorColor(RAD.userId),
      tool: 'Length',
    });
  });

  it('lets others draw only when the presenter allows it', () => {
    const base = presenting().state;
    expect(decideSyncCommand(base, commit(), ctx(COUNTY))).toMatchObject({ ok: false, code: 'forbidden' });
    const allowed = run(
      [[{ type: 'allowDraw', roundId: ROUND, userId: COUNTY.userId, allowed: true }, ctx(RAD)]],
      base,
    ).state;
    expect(decideSyncCommand(allowed, commit(), ctx(COUNTY)).ok).toBe(true);
  });

  it('resolves two concurrent edits of one version deterministically: the first wins, the second is told', () => {
    // The author edits the same mark from two devices (or two tabs) at once; both started from version 1.
    const s = run([[commit(), ctx(RAD)]], presenting().state).state;
    const moveA: SyncStateCommand = {
      type: 'annotationUpdate',
      roundId: ROUND,
      opId: 'op-a',
      id: ANN,
      baseVersion: 1,
      data: {
        points: [
          [0, 0],
          [5, 5],
        ],
      },
    };
    const moveB: SyncStateCommand = {
      type: 'annotationUpdate',
      roundId: ROUND,
      opId: 'op-b',
      id: ANN,
      baseVersion: 1,
      data: {
        points: [
          [9, 9],
          [1, 1],
        ],
      },
    };
    const first = runSyncCommand(s, moveA, ctx(RAD), 1);
    if (!first.ok || !('state' in first)) throw new Error('first edit refused');
    expect(first.state.annotations[ANN]!.version).toBe(2);
    const second = runSyncCommand(first.state, moveB, ctx(RAD), 2);
    expect(second).toMatchObject({ ok: false, code: 'conflict' });
    expect(!second.ok && second.message).toContain('now version 2');
    expect(first.state.annotations[ANN]!.data.points).toEqual([
      [0, 0],
      [5, 5],
    ]);
    // Re-based on the winner's version, the loser's edit goes through.
    const rebased = runSyncCommand(first.state, { ...moveB, baseVersion: 2 }, ctx(RAD), 3);
    expect(rebased.ok && 'state' in rebased && rebased.state.annotations[ANN]!.version).toBe(3);
  });

  it('deletes with a version check; deleting again answers not found', () => {
    const s = run([[commit(), ctx(RAD)]], presenting().state).state;
    expect(
      decideSyncCommand(
        s,
        { type: 'annotationDelete', roundId: ROUND, opId: 'd0', id: ANN, baseVersion: 2 },
        ctx(RAD),
      ),
    ).toMatchObject({
      ok: false,
      code: 'conflict',
    });
    const gone = run(
      [[{ type: 'annotationDelete', roundId: ROUND, opId: 'd1', id: ANN, baseVersion: 1 }, ctx(RAD)]],
      s,
    ).state;
    expect(gone.annotations).toEqual({});
    expect(
      decideSyncCommand(
        gone,
        { type: 'annotationDelete', roundId: ROUND, opId: 'd2', id: ANN, baseVersion: 1 },
        ctx(RAD),
      ),
    ).toMatchObject({
      ok: false,
      code: 'not_found',
    });
  });

  it('lets only the author edit or delete a mark (not even the host)', () => {
    const s = run([[commit(), ctx(RAD)]], presenting().state).state;
    const upd = (opId: string): SyncStateCommand => ({
      type: 'annotationUpdate',
      roundId: ROUND,
      opId,
      id: ANN,
      baseVersion: 1,
      data: lengthData,
    });
    expect(decideSyncCommand(s, upd('x1'), ctx(COUNTY))).toMatchObject({ ok: false, code: 'not_author' });
    expect(decideSyncCommand(s, upd('x2'), ctx(HOST))).toMatchObject({ ok: false, code: 'not_author' });
    expect(decideSyncCommand(s, upd('x3'), ctx(RAD)).ok).toBe(true);
  });

  it('applies a retried command once (idempotent replay by op id)', () => {
    const s = run([[commit(), ctx(RAD)]], presenting().state).state;
    expect(decideSyncCommand(s, commit(), ctx(RAD))).toEqual({ ok: true, duplicateOf: 3 });
    // A different op creating the same id is a conflict, not a replay.
    expect(decideSyncCommand(s, commit(ANN, 'op-other'), ctx(RAD))).toMatchObject({
      ok: false,
      code: 'conflict',
    });
  });

  it('remembers a bounded number of op ids', () => {
    let s = presenting().state;
    for (let i = 0; i < RECENT_OPS_LIMIT + 10; i++) {
      s = run(
        [
          [
            {
              type: 'allowDraw',
              roundId: ROUND,
              opId: `op-${String(i).padStart(4, '0')}`,
              userId: COUNTY.userId,
              allowed: i % 2 === 0,
            },
            ctx(RAD),
          ],
        ],
        s,
      ).state;
    }
    expect(s.recentOps).toHaveLength(RECENT_OPS_LIMIT);
    expect(s.recentOps.at(-1)![0]).toBe(`op-${String(RECENT_OPS_LIMIT + 9).padStart(4, '0')}`);
  });
});
