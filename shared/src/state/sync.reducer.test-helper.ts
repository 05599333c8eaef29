/** Fixtures for the sync reducer tests (tests only): the people and study of a round, and a command runner. */
import type { SyncEvent, SyncStateCommand } from '../events/sync';
import { registerSyncFormats, type SyncViewport } from '../schemas/sync';
import { initialSyncState, runSyncCommand, type SyncDecisionContext } from './sync.reducer';

registerSyncFormats();

export const ROUND = '00000000-0000-4000-8000-000000000001';
export const HOST = { userId: '00000000-0000-4000-8000-0000000000a1', displayName: 'Host 主持' };
export const RAD = { userId: '00000000-0000-4000-8000-0000000000a2', displayName: 'Radiologist 放射科' };
export const COUNTY = { userId: '00000000-0000-4000-8000-0000000000a3', displayName: 'County 县医院' };
export const STUDY = '1.2.826.0.1.3680043.8.498.1';
export const OTHER_STUDY = '1.2.826.0.1.3680043.8.498.2';
export const SERIES = '1.2.826.0.1.3680043.8.498.1.1';
export const ANN = '00000000-0000-4000-8000-0000000000f1';

export const ctx = (actor: typeof HOST, extra: Partial<SyncDecisionContext> = {}): SyncDecisionContext => ({
  actor,
  isHost: actor === HOST,
  studyUids: [STUDY],
  ...extra,
});

export const vp = (imageIndex: number, over: Partial<SyncViewport> = {}): SyncViewport => ({
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

export const target = {
  studyUid: STUDY,
  seriesUid: SERIES,
  sopInstanceUid: '1.2.3.7',
  frame: 0,
  imageIndex: 6,
};
export const lengthData = {
  points: [
    [10, 10],
    [60, 80],
  ] as [number, number][],
  measurements: [{ kind: 'length' as const, value: 42.5, unit: 'mm' as const }],
};

/** Run commands in order as the server would, returning the final state and every event. */
export function run(steps: [SyncStateCommand, SyncDecisionContext][], from = initialSyncState(ROUND)) {
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
export function presenting() {
  return run([
    [{ type: 'takePresenter', roundId: ROUND }, ctx(RAD)],
    [{ type: 'openStudy', roundId: ROUND, studyUid: STUDY, viewport: vp(0) }, ctx(RAD)],
  ]);
}
