import type { ErrorCode } from '../errors';
import type { SyncEvent, SyncOp, SyncStateCommand } from '../events/sync';
import { authorColor, type SyncParticipant, type SyncState } from '../schemas/sync';

/**
 * The synchronized viewer's state machine, shared by server and clients.
 *
 * - `decideSyncCommand` (server, authoritative): checks who may do what and annotation versions against the
 *   current state and turns a command into an operation (or a refusal). Pure: the caller supplies facts that
 *   need the database (is the actor host, which studies the round links, the hand-over target).
 * - `applySyncEvent` (everyone): applies a sequenced operation. The server applies what it decided with
 *   seq = state.seq + 1 and broadcasts it; clients apply the same event and so hold the same state. Events at or
 *   below the current seq are duplicates (idempotent replays), events further ahead are a gap.
 * - `SyncSequencer` (clients): reorders events that arrive out of order and says when to fetch a snapshot.
 */

/** How many applied command ids the state remembers for idempotent retries. */
export const RECENT_OPS_LIMIT = 64;

export function initialSyncState(roundId: string): SyncState {
  return {
    roundId,
    seq: 0,
    studyUid: null,
    presenter: null,
    viewport: null,
    annotations: {},
    drawers: [],
    detached: [],
    recentOps: [],
  };
}

export interface SyncDecisionContext {
  actor: SyncParticipant;
  /** For annotationCommit: the id the imaging annotation store gave the persisted copy. */
  storeId?: string | null;
  /** The round's host may take presenting back and moderate. */
  isHost: boolean;
  /** StudyInstanceUIDs the round links (openStudy must name one). */
  studyUids: readonly string[];
  /** For handOver: the target, when it is a current participant (resolved by the caller), else null. */
  target?: SyncParticipant | null;
}

export type SyncDecision =
  | { ok: true; op: SyncOp; opId: string | null }
  /** The same command (by opId) was applied before, as event `seq`: do nothing, answer as before. */
  | { ok: true; duplicateOf: number }
  | { ok: false; code: ErrorCode; message: string };

const refuse = (code: ErrorCode, message: string): SyncDecision => ({ ok: false, code, message });

const isPresenter = (s: SyncState, userId: string) => s.presenter?.userId === userId;
const canDraw = (s: SyncState, userId: string) => isPresenter(s, userId) || s.drawers.includes(userId);

/** Decide a state-changing command against the current state. Never mutates `state`. */
export function decideSyncCommand(
  state: SyncState,
  cmd: SyncStateCommand,
  ctx: SyncDecisionContext,
): SyncDecision {
  const opId = 'opId' in cmd && cmd.opId ? cmd.opId : null;
  if (opId) {
    const seen = state.recentOps.find(([id]) => id === opId);
    if (seen) return { ok: true, duplicateOf: seen[1] };
  }
  const me = ctx.actor.userId;
  const moderator = isPresenter(state, me) || ctx.isHost;
  const ok = (op: SyncOp): SyncDecision => ({ ok: true, op, opId });

  switch (cmd.type) {
    case 'openStudy': {
      if (!ctx.studyUids.includes(cmd.studyUid)) return refuse('not_found', 'study not linked to this round');
      if (state.presenter && !moderator)
        return refuse('forbidden', 'only the presenter or host can open a study now');
      if (cmd.viewport && cmd.viewport.studyUid !== cmd.studyUid) {
        return refuse('validation', 'viewport is of another study');
      }
      return ok({ type: 'studyOpened', studyUid: cmd.studyUid, viewport: cmd.viewport });
    }
    case 'takePresenter': {
      if (isPresenter(state, me)) return ok({ type: 'presenterChanged', presenter: ctx.actor });
      if (state.presenter && !ctx.isHost)
        return refuse('conflict', `${state.presenter.displayName} is presenting`);
      return ok({ type: 'presenterChanged', presenter: ctx.actor });
    }
    case 'handOver': {
      if (!moderator) return refuse('forbidden', 'only the presenter or host can hand over');
      if (!ctx.target || ctx.target.userId !== cmd.toUserId)
        return refuse('not_found', 'participant not found');
      return ok({ type: 'presenterChanged', presenter: ctx.target });
    }
    case 'releasePresenter': {
      if (!state.presenter) return refuse('invalid_transition', 'nobody is presenting');
      if (!moderator) return refuse('forbidden', 'only the presenter or host can stop presenting');
      return ok({ type: 'presenterChanged', presenter: null });
    }
    case 'viewport': {
      if (!isPresenter(state, me)) return refuse('forbidden', 'only the presenter drives the viewer');
      if (cmd.viewport.studyUid !== state.studyUid) return refuse('conflict', 'another study is open');
      return ok({ type: 'viewport', viewport: cmd.viewport });
    }
    case 'annotationCommit': {
      const a = cmd.annotation;
      if (!canDraw(state, me)) return refuse('forbidden', 'the presenter has not allowed you to draw');
      if (a.target.studyUid !== state.studyUid) return refuse('conflict', 'another study is open');
      if (state.annotations[a.id]) return refuse('conflict', 'an annotation with this id exists');
      return ok({
        type: 'annotationUpserted',
        annotation: {
          ...a,
          authorId: me,
          authorName: ctx.actor.displayName,
          color: authorColor(me),
          storeId: ctx.storeId ?? null,
          version: 1,
        },
      });
    }
    case 'annotationUpdate':
    case 'annotationDelete': {
      const cur = state.annotations[cmd.id];
      if (!cur) return refuse('not_found', 'annotation not found (deleted?)');
      // Only the author edits or deletes a mark (the imaging annotation store enforces the same).
      if (cur.authorId !== me)
        return refuse('not_author', 'only the author of a mark can change or delete it');
      if (cmd.baseVersion !== cur.version) {
        return refuse(
          'conflict',
          `annotation changed meanwhile (now version ${cur.version}, you edited ${cmd.baseVersion})`,
        );
      }
      if (cmd.type === 'annotationDelete') return ok({ type: 'annotationDeleted', id: cmd.id });
      return ok({
        type: 'annotationUpserted',
        annotation: { ...cur, data: cmd.data, version: cur.version + 1 },
      });
    }
    case 'allowDraw': {
      if (!moderator) return refuse('forbidden', 'only the presenter or host can allow drawing');
      const rest = state.drawers.filter((u) => u !== cmd.userId);
      return ok({ type: 'drawersChanged', drawers: cmd.allowed ? [...rest, cmd.userId] : rest });
    }
    case 'follow':
      return ok({ type: 'followChanged', userId: me, following: cmd.following });
    default:
      return assertUnreachable(cmd);
  }
}

function assertUnreachable(x: never): never {
  throw new TypeError(`unhandled sync command ${JSON.stringify(x)}`);
}

/** Apply one operation to the state (no seq bookkeeping). */
export function applySyncOp(state: SyncState, op: SyncOp): SyncState {
  switch (op.type) {
    case 'studyOpened':
      // A new study: its own annotations stay in the state (and store); the view starts where the opener says.
      return { ...state, studyUid: op.studyUid, viewport: op.viewport };
    case 'presenterChanged':
      return {
        ...state,
        presenter: op.presenter,
        // The new presenter decides who may draw.
        drawers: state.presenter?.userId === op.presenter?.userId ? state.drawers : [],
        detached: op.presenter ? state.detached.filter((u) => u !== op.presenter!.userId) : state.detached,
      };
    case 'viewport':
      return { ...state, viewport: op.viewport };
    case 'annotationUpserted':
      return { ...state, annotations: { ...state.annotations, [op.annotation.id]: op.annotation } };
    case 'annotationDeleted': {
      const { [op.id]: _gone, ...rest } = state.annotations;
      return { ...state, annotations: rest };
    }
    case 'drawersChanged':
      return { ...state, drawers: op.drawers };
    case 'followChanged': {
      const rest = state.detached.filter((u) => u !== op.userId);
      return { ...state, detached: op.following ? rest : [...rest, op.userId] };
    }
    case 'withheld':
      return state;
    default:
      return assertUnreachable(op);
  }
}

export type ApplyStatus = 'applied' | 'duplicate' | 'gap';

/** Apply a sequenced event: only the next seq is applied; older ones are replays, newer ones a gap. */
export function applySyncEvent(state: SyncState, ev: SyncEvent): { state: SyncState; status: ApplyStatus } {
  if (ev.roundId !== state.roundId)
    throw new TypeError(`event of round ${ev.roundId} applied to ${state.roundId}`);
  if (ev.seq <= state.seq) return { state, status: 'duplicate' };
  if (ev.seq > state.seq + 1) return { state, status: 'gap' };
  const next = applySyncOp(state, ev.op);
  const recentOps = ev.opId
    ? [...state.recentOps, [ev.opId, ev.seq] as [string, number]].slice(-RECENT_OPS_LIMIT)
    : state.recentOps;
  return { state: { ...next, seq: ev.seq, recentOps }, status: 'applied' };
}

/** Server side: decide a command and, when accepted, build its event with the next seq and apply it. */
export function runSyncCommand(
  state: SyncState,
  cmd: SyncStateCommand,
  ctx: SyncDecisionContext,
  now: number,
):
  | { ok: true; state: SyncState; event: SyncEvent }
  | { ok: true; duplicateOf: number }
  | { ok: false; code: ErrorCode; message: string } {
  const d = decideSyncCommand(state, cmd, ctx);
  if (!d.ok || 'duplicateOf' in d) return d;
  const event: SyncEvent = {
    roundId: state.roundId,
    seq: state.seq + 1,
    by: ctx.actor.userId,
    opId: d.opId,
    op: d.op,
    at: now,
  };
  return { ok: true, state: applySyncEvent(state, event).state, event };
}

/**
 * A client's ordered view of the round: events are applied in seq order whatever order they arrive in
 * (two server nodes may deliver out of order); duplicates are ignored; a gap that does not fill within
 * the caller's patience (`needsSnapshot`) means: ask for a snapshot (`join`) and `reset` with it.
 */
export class SyncSequencer {
  #state: SyncState;
  #pending = new Map<number, SyncEvent>();
  /** Events that arrived ahead of a missing one since the last reset. */
  outOfOrder = 0;
  duplicates = 0;

  constructor(state: SyncState) {
    this.#state = state;
  }

  get state(): SyncState {
    return this.#state;
  }

  /** True while events wait for a missing earlier one. */
  get hasGap(): boolean {
    return this.#pending.size > 0;
  }

  /** The number of buffered events; a caller that waited long enough with a gap should resynchronise. */
  get pending(): number {
    return this.#pending.size;
  }

  reset(state: SyncState): void {
    this.#state = state;
    for (const seq of [...this.#pending.keys()]) if (seq <= state.seq) this.#pending.delete(seq);
    this.#drain([]);
  }

  /** Feed one event; returns the events applied now (in order). */
  receive(ev: SyncEvent): SyncEvent[] {
    if (ev.seq <= this.#state.seq || this.#pending.has(ev.seq)) {
      this.duplicates++;
      return [];
    }
    if (ev.seq > this.#state.seq + 1) {
      this.outOfOrder++;
      this.#pending.set(ev.seq, ev);
      return [];
    }
    this.#state = applySyncEvent(this.#state, ev).state;
    const applied = [ev];
    this.#drain(applied);
    return applied;
  }

  #drain(applied: SyncEvent[]): void {
    for (;;) {
      const next = this.#pending.get(this.#state.seq + 1);
      if (!next) return;
      this.#pending.delete(next.seq);
      this.#state = applySyncEvent(this.#state, next).state;
      applied.push(next);
    }
  }
}

/** The study an operation concerns (null for the round-wide ones); a participant who may not view it gets `withheld`. */
export function syncOpStudy(op: SyncOp): string | null {
  switch (op.type) {
    case 'studyOpened':
      return op.studyUid;
    case 'viewport':
      return op.viewport.studyUid;
    case 'annotationUpserted':
      return op.annotation.target.studyUid;
    default:
      return null;
  }
}

/** The state as a participant who may view none of `denied` sees it: those studies, views and marks left out. */
export function withholdStudies(state: SyncState, denied: ReadonlySet<string>): SyncState {
  if (!denied.size) return state;
  return {
    ...state,
    studyUid: state.studyUid && denied.has(state.studyUid) ? null : state.studyUid,
    viewport: state.viewport && denied.has(state.viewport.studyUid) ? null : state.viewport,
    annotations: Object.fromEntries(
      Object.entries(state.annotations).filter(([, a]) => !denied.has(a.target.studyUid)),
    ),
  };
}
