/**
 * Sync events and the wire: clients replaying sequenced events, client-side ordering (SyncSequencer), and the
 * command schemas at the edge.
 */
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { SyncStateCommand } from '../events/sync';
import { SyncCommandSchemas } from '../events/sync';
import { SyncState as SyncStateSchema, type SyncState } from '../schemas/sync';
import { applySyncEvent, initialSyncState, SyncSequencer, type SyncDecisionContext } from './sync.reducer';
import { ROUND, RAD, ANN, ctx, vp, target, lengthData, run, presenting } from './sync.reducer.test-helper';

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
