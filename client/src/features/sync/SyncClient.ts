import {
  SyncSequencer,
  type Ack,
  type SyncCommandData,
  type SyncCommandResponses,
  type SyncCommandType,
  type SyncDraftEvent,
  type SyncEvent,
  type SyncLaserEvent,
  type SyncSnapshot,
  type SyncState,
  type SyncStudy,
  type ErrorCode,
} from '@consult/shared';
import { ApiError, trackWrite } from '../../app/api';
import { ResumeGate } from '../../app/resumeGate';
import { connectSocket, emitAcked, NoAnswer, type AppSocket } from '../../app/socket';

/** A rejected (or unanswered) command; its message is in the user's language, like any API error's (app/api.ts). */
export class SyncCommandError extends ApiError {
  override name = 'SyncCommandError';
  constructor(
    code: string,
    message: string,
    /** The socket dropped before the answer: the command went with it. */
    readonly dropped = false,
  ) {
    super(0, { code: code as ErrorCode, message }, 'sync');
  }
}

/** Sent again and again while the presenter moves (viewport, a mark being drawn, the laser): only the last counts. */
type Ephemeral = 'viewport' | 'draft' | 'laser';

export type SyncStatus = 'joining' | 'ready' | 'revoked' | 'ended' | 'error';

export interface SyncView {
  status: SyncStatus;
  state: SyncState | null;
  me: SyncSnapshot['me'] | null;
  studies: SyncStudy[];
  /** Following the presenter (false: detached, looking around alone). */
  following: boolean;
  /** Marks others are drawing right now, by id. */
  drafts: Record<string, SyncDraftEvent>;
  laser: SyncLaserEvent | null;
  error: string | null;
}

/** How long a gap in the event sequence may stay open before the client asks for a fresh snapshot. */
const GAP_PATIENCE_MS = 1000;

/**
 * One round's synchronized viewer on the app's socket: joins (and re-joins after a reconnect or a gap),
 * applies sequenced events in order through the shared reducer, keeps ephemeral drafts and the laser, and sends
 * commands. React reads it through `subscribe`/`getView` (useSyncExternalStore); the viewer bridge listens to
 * applied events.
 */
export class SyncClient {
  #socket: AppSocket;
  #seq: SyncSequencer | null = null;
  #early: SyncEvent[] = [];
  #view: SyncView = {
    status: 'joining',
    state: null,
    me: null,
    studies: [],
    following: true,
    drafts: {},
    laser: null,
    error: null,
  };
  #listeners = new Set<() => void>();
  #eventListeners = new Set<(e: SyncEvent | null) => void>();
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #off: (() => void)[] = [];
  /** Closed from a socket drop until this socket joined the viewer again: commands wait (app/resumeGate.ts). */
  readonly #gate = new ResumeGate();
  /** The last ephemeral command of each kind made while the gate was closed, sent once it opens. */
  readonly #held = new Map<Ephemeral, Omit<SyncCommandData<Ephemeral>, 'roundId'>>();

  constructor(
    readonly roundId: string,
    socket: AppSocket = connectSocket(),
  ) {
    this.#socket = socket;
    const on = <
      E extends 'sync:event' | 'sync:draft' | 'sync:laser' | 'sync:revoked' | 'connect' | 'disconnect',
    >(
      name: E,
      fn: (...a: never[]) => void,
    ) => {
      this.#socket.on(name as never, fn as never);
      this.#off.push(() => this.#socket.off(name as never, fn as never));
    };
    on('sync:event', (e: SyncEvent) => this.#onEvent(e));
    on('sync:draft', (d: SyncDraftEvent) => {
      if (d.roundId !== roundId) return;
      const drafts = { ...this.#view.drafts };
      if (d.draft) drafts[d.id] = d;
      else delete drafts[d.id];
      this.#set({ drafts });
    });
    on(
      'sync:laser',
      (l: SyncLaserEvent) => l.roundId === roundId && this.#set({ laser: l.point ? l : null }),
    );
    on('sync:revoked', (r: { roundId: string; reason: 'removed' | 'ended' }) => {
      if (r.roundId !== roundId) return;
      this.#set({ status: r.reason === 'ended' ? 'ended' : 'revoked', drafts: {}, laser: null });
    });
    // After a reconnect the server knows nothing of this socket: join again (the snapshot catches us up); what
    // the user does meanwhile is sent after that join, not ahead of it (refused: "join the round viewer first").
    on('disconnect', () => this.#gate.close());
    on('connect', () => void this.join().finally(() => this.#gate.open()));
  }

  subscribe = (fn: () => void): (() => void) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };
  getView = (): SyncView => this.#view;

  /** Hear every applied event (in seq order) after the state was updated; null: a snapshot replaced the state. */
  onEvent(fn: (e: SyncEvent | null) => void): () => void {
    this.#eventListeners.add(fn);
    return () => this.#eventListeners.delete(fn);
  }

  get state(): SyncState | null {
    return this.#view.state;
  }
  get me(): SyncSnapshot['me'] | null {
    return this.#view.me;
  }
  get isPresenter(): boolean {
    return !!this.#view.me && this.#view.state?.presenter?.userId === this.#view.me.userId;
  }
  get canDraw(): boolean {
    const me = this.#view.me?.userId;
    return !!me && (this.isPresenter || !!this.#view.state?.drawers.includes(me));
  }

  async join(): Promise<void> {
    if (this.#closed || this.#view.status === 'revoked' || this.#view.status === 'ended') return;
    try {
      const snap = await this.#send('join', { roundId: this.roundId });
      if (this.#closed) return;
      if (!this.#seq) this.#seq = new SyncSequencer(snap.state);
      else this.#seq.reset(snap.state);
      this.#set({ status: 'ready', me: snap.me, studies: snap.studies, state: this.#seq.state, error: null });
      const early = this.#early;
      this.#early = [];
      for (const e of early) this.#onEvent(e);
      for (const fn of this.#eventListeners) fn(null);
    } catch (err) {
      const e = err as SyncCommandError;
      this.#set({ status: e.code === 'invalid_transition' ? 'ended' : 'error', error: e.message });
    }
  }

  #onEvent(e: SyncEvent): void {
    if (e.roundId !== this.roundId) return;
    if (!this.#seq) {
      this.#early.push(e);
      return;
    }
    const applied = this.#seq.receive(e);
    if (applied.length) {
      const drafts = { ...this.#view.drafts };
      for (const a of applied) if (a.op.type === 'annotationUpserted') delete drafts[a.op.annotation.id];
      this.#set({ state: this.#seq.state, drafts });
      for (const a of applied) for (const fn of this.#eventListeners) fn(a);
    }
    if (this.#seq.hasGap && !this.#gapTimer) {
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = null;
        if (this.#seq?.hasGap) void this.join();
      }, GAP_PATIENCE_MS);
    }
  }

  #set(patch: Partial<SyncView>): void {
    this.#view = { ...this.#view, ...patch };
    for (const fn of this.#listeners) fn();
  }

  async #send<T extends SyncCommandType>(
    type: T,
    data: SyncCommandData<T>,
  ): Promise<SyncCommandResponses[T]> {
    const once = async () => {
      // Counted as a write in flight: signing out waits for its answer (bounded by the 10 s timeout).
      const res = await trackWrite(
        emitAcked<Ack<SyncCommandResponses[T]>>(this.#socket, `sync:${type}`, data, 10_000),
      ).catch((e: unknown) => {
        throw new SyncCommandError('unavailable', (e as Error).message, e instanceof NoAnswer && e.dropped);
      });
      if (!res.ok) throw new SyncCommandError(res.code, res.message);
      return res.data;
    };
    // The join is what opens the gate. Any other command waits for the viewer's join on the current socket, and
    // one whose socket dropped before the answer is sent again after the next join. Sending one twice is
    // harmless: a state change names its opId (the server applies it once), the others set what they set.
    if (type === 'join') return once();
    return this.#gate.asked(once, (e) => e instanceof SyncCommandError && e.dropped);
  }

  /** Send a command for this round (roundId added). */
  send<T extends Exclude<SyncCommandType, 'join' | 'leave'>>(
    type: T,
    data: Omit<SyncCommandData<T>, 'roundId'>,
  ): Promise<SyncCommandResponses[T]> {
    return this.#send(type, { ...data, roundId: this.roundId } as SyncCommandData<T>);
  }

  /**
   * Fire and forget (viewport stream, drafts, laser): refusals surface as the view's error. While the socket is
   * down only the last of each kind is kept, and sent once the viewer is joined again.
   */
  fire<T extends Ephemeral>(type: T, data: Omit<SyncCommandData<T>, 'roundId'>): void {
    if (this.#gate.closed) {
      const waiting = this.#held.has(type);
      this.#held.set(type, data);
      if (!waiting)
        void this.#gate.passed().then(() => {
          const last = this.#held.get(type);
          this.#held.delete(type);
          if (last && !this.#closed) this.fire(type, last as Omit<SyncCommandData<T>, 'roundId'>);
        });
      return;
    }
    this.send(type, data).catch((e: unknown) =>
      this.#set({ error: e instanceof Error ? e.message : String(e) }),
    );
  }

  setFollowing(following: boolean): void {
    if (this.#view.following === following) return;
    this.#set({ following });
    this.send('follow', { following }).catch(() => undefined);
  }

  setError(error: string | null): void {
    this.#set({ error });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    this.#gate.open();
    for (const off of this.#off) off();
    this.#listeners.clear();
    this.#eventListeners.clear();
    void (this.#socket.timeout(2000) as unknown as { emitWithAck(ev: string, d: unknown): Promise<unknown> })
      .emitWithAck('sync:leave', { roundId: this.roundId })
      .catch(() => undefined);
  }
}
