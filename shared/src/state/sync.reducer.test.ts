import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { SyncEvent, SyncStateCommand } from '../events/sync';
import { SyncCommandSchemas } from '../events/sync';
import {
  authorColor,
  registerSyncFormats,
  SyncState as SyncStateSchema,
  type SyncState,
  type SyncViewport,
} from '../schemas/sync';
import {
  applySyncEvent,
  decideSyncCommand,
  initialSyncState,
  RECENT_OPS_LIMIT,
  runSyncCommand,
  SyncSequencer,
  type SyncDecisionContext,
} from './sync.reducer';

registerSyncFormats();

const ROUND = '00000000-0000-4000-8000-000000000001';
const HOST = { userId: '00000000-0000-4000-8000-0000000000a1', displayName: 'Host 主持' };
const RAD = { userId: '00000000-0000-4000-8000-0000000000a2', displayName: 'Radiologist 放射科' };
const COUNTY = { userId: '00000000-0000-4000-8000-0000000000a3', displayName: 'County 县医院' };
const STUDY = '1.2.826.0.1.3680043.8.498.1';
const OTHER_STUDY = '1.2.826.0.1.3680043.8.498.2';
const SERIES = '1.2.826.0.1.3680043.8.498.1.1';
const ANN = '00000000-0000-4000-8000-0000000000f1';

const ctx = (actor: typeof HOST, extra: Partial<SyncDecisionContext> = {}): SyncDecisionContext => ({
  actor,
  isHost: actor === HOST,
  studyUids: [STUDY],
  ...extra,
});

const vp = (imageIndex: number, over: Partial<SyncViewport> = {}): SyncViewport => ({
  studyUid: STUDY,
  seriesUid: SERIES,
  imageIndex,
  windowCenter: 40,
  windowWidth: 400,
  zoom: 1,
  pan: [0, 0],
  rotation: 0,
  flipHorizontal: false,
  flipVertical: false,
  invert: false,
  cine: { playing: false, fps: 10 },
  ...over,
});

const target = { studyUid: STUDY, seriesUid: SERIES, sopInstanceUid: '1.2.3.7', frame: 0, imageIndex: 6 };
const lengthData = {
  points: [
    [10, 10],
    [60, 80],
  ] as [number, number][],
  stats: { lengthMm: 42.5 },
};

/** Run commands in order as the server would, returning the final state and every event. */
function run(steps: [SyncStateCommand, SyncDecisionContext][], from = initialSyncState(ROUND)) {
  let state = from;
  const events: SyncEvent[] = [];
  for (const [cmd, c] of steps) {
    const r = runSyncCommand(state, cmd, c, 1000 + events.length);
    if (!r.ok) throw new Error(`${cmd.type} refused: ${r.message}`);
    if ('event' in r) {
      state = r.state;
      events.push(r.event);
    }
  }
  return { state, events };
}

/** A round with the radiologist presenting the CT on slice 1. */
function presenting() {
  return run([
    [{ type: 'takePresenter', roundId: ROUND }, ctx(RAD)],
    [{ type: 'openStudy', roundId: ROUND, studyUid: STUDY, viewport: vp(0) }, ctx(RAD)],
  ]);
}

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
    expect(decideSyncCommand(s, upd('x1'), ctx(COUNTY))).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideSyncCommand(s, upd('x2'), ctx(HOST))).toMatchObject({ ok: false, code: 'forbidden' });
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

describe('sync reducer: sequenced events', () => {
  it('gives every client the server state by applying the same events; replays change nothing', () => {
    const p = presenting();
    const more = run(
      [
        [{ type: 'viewport', roundId: ROUND, viewport: vp(6) }, ctx(RAD)],
        [
          {
            type: 'annotationCommit',
            roundId: ROUND,
            opId: 'op-c',
            annotation: { id: ANN, target, tool: 'Length', data: lengthData },
          },
          ctx(RAD),
        ],
      ],
      p.state,
    );
    const server = more.state;
    const events = [...p.events, ...more.events];
    let client = initialSyncState(ROUND);
    for (const e of [...events, ...events]) client = applySyncEvent(client, e).state;
    expect(client).toEqual(server);
    expect(Value.Check(SyncStateSchema, server)).toBe(true);
  });

  it('reports a gap instead of applying an event from the future', () => {
    const { events } = presenting();
    const r = applySyncEvent(initialSyncState(ROUND), events[1]!);
    expect(r.status).toBe('gap');
    expect(r.state.seq).toBe(0);
  });

  it('refuses events of another round', () => {
    const { events } = presenting();
    expect(() =>
      applySyncEvent(initialSyncState('00000000-0000-4000-8000-000000000002'), events[0]!),
    ).toThrow(TypeError);
  });
});

function presentingWithMoves(n: number) {
  const p = presenting();
  const steps: [SyncStateCommand, SyncDecisionContext][] = [];
  for (let i = 1; i <= n; i++) steps.push([{ type: 'viewport', roundId: ROUND, viewport: vp(i) }, ctx(RAD)]);
  const more = run(steps, p.state);
  return { state: more.state, events: [...p.events, ...more.events] };
}

describe('SyncSequencer (client ordering)', () => {
  it('reorders events that arrive out of order and drops duplicates', () => {
    const { state, events } = presentingWithMoves(5);
    const seqr = new SyncSequencer(initialSyncState(ROUND));
    const order = [0, 2, 1, 1, 4, 3, 6, 5, 0];
    const applied: number[] = [];
    for (const i of order) applied.push(...seqr.receive(events[i]!).map((e) => e.seq));
    expect(applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seqr.state).toEqual(state);
    expect(seqr.hasGap).toBe(false);
    expect(seqr.outOfOrder).toBe(3);
    expect(seqr.duplicates).toBe(2);
  });

  it('holds a gap until a snapshot resets it, then applies what was buffered beyond the snapshot', () => {
    const { events } = presentingWithMoves(5);
    const seqr = new SyncSequencer(initialSyncState(ROUND));
    seqr.receive(events[0]!);
    seqr.receive(events[5]!); // seq 6 while 2..5 are lost
    seqr.receive(events[6]!);
    expect(seqr.hasGap).toBe(true);
    expect(seqr.state.seq).toBe(1);
    // Snapshot as of seq 5 (what `join` answers): the buffered 6 and 7 follow on at once.
    let snap = initialSyncState(ROUND);
    for (const e of events.slice(0, 5)) snap = applySyncEvent(snap, e).state;
    seqr.reset(snap);
    expect(seqr.state.seq).toBe(7);
    expect(seqr.state.viewport?.imageIndex).toBe(5);
    expect(seqr.hasGap).toBe(false);
  });
});

describe('sync command schemas', () => {
  it('refuse malformed payloads at the edge', () => {
    expect(Value.Check(SyncCommandSchemas.viewport, { roundId: ROUND, viewport: vp(1) })).toBe(true);
    expect(
      Value.Check(SyncCommandSchemas.viewport, { roundId: ROUND, viewport: { ...vp(1), windowWidth: 0 } }),
    ).toBe(false);
    expect(
      Value.Check(SyncCommandSchemas.viewport, {
        roundId: ROUND,
        viewport: { ...vp(1), studyUid: 'x; drop' },
      }),
    ).toBe(false);
    expect(
      Value.Check(SyncCommandSchemas.annotationUpdate, {
        roundId: ROUND,
        opId: 'abcdefgh',
        id: ANN,
        baseVersion: 0,
        data: lengthData,
      }),
    ).toBe(false);
    expect(
      Value.Check(SyncCommandSchemas.laser, {
        roundId: ROUND,
        point: { imageIndex: 3, x: 1, y: 2 },
        extra: 1,
      }),
    ).toBe(false);
  });
});

// Keep the fixture type honest.
const _typed: SyncState = initialSyncState(ROUND);
void _typed;
