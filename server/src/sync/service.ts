import {
  applySyncEvent,
  authorColor,
  can,
  decideSyncCommand,
  Permission,
  runSyncCommand,
  type SyncCommandData,
  type SyncCommandResponses,
  type SyncDecisionContext,
  type SyncEvent,
  type SyncOp,
  type SyncSnapshot,
  type SyncState,
  type SyncStateCommand,
  syncOpStudy,
  withholdStudies,
} from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { DomainError, forbidden, notFound } from '../errors';
import { userRoom, type IoServer, type IoSocket } from '../realtime/plugin';
import { NIL_UUID, participant, participation, roundStudyUids } from './access';
import { roundStatus } from './queries';
import { studyAccess, withheldRoom, withheldRooms } from './studies';
import type { AnnotationPersistence } from './persistence';
import type { SyncStore } from './store';

export const syncRoom = (roundId: string) => `sync:${roundId}`;

/** What a socket learned when it joined a round's viewer. */
interface Session {
  isHost: boolean;
}

/** Who may draw / point right now, cached briefly per node for the high-rate ephemeral relays. */
interface Roles {
  presenterId: string | null;
  drawers: string[];
  at: number;
}
const ROLES_TTL_MS = 500;

/**
 * Synchronized viewing: per-round state in the store, operations broadcast to `sync:<roundId>` (every node,
 * through the adapter), drafts and laser relayed, participation checked against the rounds tables.
 */
export class SyncService {
  #sessions = new WeakMap<IoSocket, Map<string, Session>>();
  #roles = new Map<string, Roles>();

  constructor(
    private readonly db: DB,
    private readonly io: IoServer,
    private readonly store: SyncStore,
    private readonly annotations: AnnotationPersistence,
    private readonly log: { error(obj: object, msg: string): void },
  ) {}

  async join(socket: IoSocket, { roundId }: SyncCommandData<'join'>): Promise<SyncSnapshot> {
    const actor = socket.data.actor;
    if (!can(actor.role, Permission.RoundsJoin))
      throw forbidden(`your role (${actor.role}) may not join rounds`);
    const p = await participation(this.db, roundId, actor.id);
    if (!p) throw notFound('round');
    if (p.status === 'ended') throw new DomainError('invalid_transition', 'the round has ended');
    const { visible: studies, denied } = await studyAccess(this.db, roundId, actor);
    // Join the rooms before reading the state: events after the read arrive; earlier ones are duplicates. Studies
    // this user may not view (a case presented without teaching consent) reach them as `withheld` only.
    const rooms = withheldRooms(socket.rooms, roundId, denied);
    for (const r of rooms.leave) await socket.leave(r);
    await socket.join([syncRoom(roundId), ...rooms.join]);
    this.#sessionsOf(socket).set(roundId, { isHost: p.isHost });
    const state = await this.store.get(roundId);
    await recordAudit(this.db, {
      actor,
      action: 'sync.join',
      entityType: 'round',
      entityId: roundId,
      ip: actor.ip,
    });
    return {
      state: withholdStudies(state, denied),
      me: { userId: actor.id, isHost: p.isHost, color: authorColor(actor.id) },
      studies,
    };
  }

  async leave(socket: IoSocket, { roundId }: SyncCommandData<'leave'>): Promise<undefined> {
    await socket.leave(syncRoom(roundId));
    this.#sessionsOf(socket).delete(roundId);
    return undefined;
  }

  /** A state-changing command: check, persist annotations, sequence, broadcast. Resolves to the ack data. */
  async command(
    socket: IoSocket,
    cmd: SyncStateCommand,
  ): Promise<SyncCommandResponses[SyncStateCommand['type']]> {
    const actor = socket.data.actor;
    const session = this.#session(socket, cmd.roundId);
    const ctx: SyncDecisionContext = {
      actor: { userId: actor.id, displayName: actor.displayName },
      isHost: session.isHost,
      studyUids: [],
    };
    // The presenter's stream of viewport updates and follow toggles need only the room membership (removal
    // takes the socket out of the room); anything else re-reads participation now.
    if (cmd.type !== 'viewport' && cmd.type !== 'follow') {
      const p = await participation(this.db, cmd.roundId, actor.id);
      if (!p || p.status === 'ended') {
        await this.revoke(cmd.roundId, actor.id, p ? 'ended' : 'removed');
        throw notFound('round');
      }
      ctx.isHost = p.isHost;
      if (cmd.type === 'openStudy') ctx.studyUids = await roundStudyUids(this.db, cmd.roundId);
      if (cmd.type === 'handOver') ctx.target = await participant(this.db, cmd.roundId, cmd.toUserId);
    }
    if (
      cmd.type === 'annotationCommit' ||
      cmd.type === 'annotationUpdate' ||
      cmd.type === 'annotationDelete'
    ) {
      return this.#annotationCommand(actor, cmd, ctx);
    }
    const done = await this.#sequence(cmd, ctx);
    if (cmd.type === 'openStudy') await this.#seedSaved(cmd.roundId, cmd.studyUid, actor);
    return done;
  }

  /**
   * A study opened: its saved marks (viewer or earlier rounds) join the round's state, those not there yet, as
   * the presenter may view them; followers who may not view the study get `withheld` as for any of its marks.
   */
  async #seedSaved(roundId: string, studyUid: string, presenter: Actor): Promise<void> {
    const marks = await this.annotations.saved(presenter, studyUid);
    for (const mark of marks)
      await this.#systemOp(roundId, (s) =>
        Object.values(s.annotations).some((a) => a.storeId === mark.storeId)
          ? null
          : { type: 'annotationUpserted', annotation: mark },
      );
  }

  /** Annotations go to the imaging annotation store first (its version check is atomic in the database). */
  async #annotationCommand(
    actor: Actor,
    cmd: Extract<SyncStateCommand, { type: 'annotationCommit' | 'annotationUpdate' | 'annotationDelete' }>,
    ctx: SyncDecisionContext,
  ): Promise<{ seq: number; version: number }> {
    const before = await this.store.get(cmd.roundId);
    const pre = decideSyncCommand(before, cmd, ctx);
    if (!pre.ok) throw new DomainError(pre.code, pre.message);
    const id = cmd.type === 'annotationCommit' ? cmd.annotation.id : cmd.id;
    if ('duplicateOf' in pre) return { seq: pre.duplicateOf, version: before.annotations[id]?.version ?? 0 };

    if (cmd.type === 'annotationCommit') {
      const stored = await this.annotations.create(actor, cmd.annotation);
      ctx.storeId = stored.id;
      // Everyone sees the values the store computed (the one measurement), not the author's preview.
      cmd.annotation.data = { ...cmd.annotation.data, measurements: stored.measurements };
      try {
        const r = await this.#sequence(cmd, ctx);
        return { seq: r.seq, version: 1 };
      } catch (err) {
        // Lost a race after storing (e.g. presenting changed hands meanwhile): take the stored copy back.
        await this.annotations
          .remove(actor, ctx.storeId, 1)
          .catch((e) => this.log.error({ err: e }, 'sync: compensating delete failed'));
        throw err;
      }
    }
    const cur = before.annotations[cmd.id]!;
    if (cur.storeId) {
      if (cmd.type === 'annotationUpdate')
        cmd.data = { ...cmd.data, measurements: await this.annotations.update(actor, cur, cmd.data) };
      else await this.annotations.remove(actor, cur.storeId, cmd.baseVersion);
    }
    const r = await this.#sequence(cmd, ctx);
    return { seq: r.seq, version: cmd.type === 'annotationUpdate' ? cmd.baseVersion + 1 : cmd.baseVersion };
  }

  /** Decide and apply atomically in the store, then broadcast. Replays answer the original seq. */
  async #sequence(cmd: SyncStateCommand, ctx: SyncDecisionContext): Promise<{ seq: number }> {
    const outcome = await this.store.transact<ReturnType<typeof runSyncCommand>>(cmd.roundId, (s) => {
      const r = runSyncCommand(s, cmd, ctx, Date.now());
      if (!r.ok) return { next: null, result: r };
      if ('duplicateOf' in r) return { next: null, result: r };
      return { next: r.state, result: r };
    });
    if (!outcome.ok) throw new DomainError(outcome.code, outcome.message);
    if ('duplicateOf' in outcome) return { seq: outcome.duplicateOf };
    this.#publish(outcome.event, outcome.state);
    return { seq: outcome.event.seq };
  }

  /** An operation the server itself takes (the presenter was removed): no permission check. */
  async #systemOp(roundId: string, op: (s: SyncState) => SyncOp | null): Promise<void> {
    const out = await this.store.transact(roundId, (s) => {
      const o = op(s);
      if (!o) return { next: null, result: null };
      const event: SyncEvent = { roundId, seq: s.seq + 1, by: NIL_UUID, opId: null, op: o, at: Date.now() };
      const next = applySyncEvent(s, event).state;
      return { next, result: { event, next } };
    });
    if (out) this.#publish(out.event, out.next);
  }

  #publish(ev: SyncEvent, state: SyncState): void {
    this.#roles.set(ev.roundId, {
      presenterId: state.presenter?.userId ?? null,
      drawers: state.drawers,
      at: Date.now(),
    });
    const study = syncOpStudy(ev.op);
    if (!study) return void this.io.to(syncRoom(ev.roundId)).emit('sync:event', ev);
    const withheld = withheldRoom(ev.roundId, study);
    this.io.to(syncRoom(ev.roundId)).except(withheld).emit('sync:event', ev);
    this.io.to(withheld).emit('sync:event', { ...ev, op: { type: 'withheld' } });
  }

  async #rolesOf(roundId: string): Promise<Roles> {
    const cached = this.#roles.get(roundId);
    if (cached && Date.now() - cached.at < ROLES_TTL_MS) return cached;
    const s = await this.store.get(roundId);
    const roles = { presenterId: s.presenter?.userId ?? null, drawers: s.drawers, at: Date.now() };
    this.#roles.set(roundId, roles);
    return roles;
  }

  /** Relay a mark being drawn to the others (presenter and allowed drawers only). */
  async draft(socket: IoSocket, d: SyncCommandData<'draft'>): Promise<undefined> {
    this.#session(socket, d.roundId);
    const actor = socket.data.actor;
    const roles = await this.#rolesOf(d.roundId);
    if (roles.presenterId !== actor.id && !roles.drawers.includes(actor.id))
      throw forbidden('the presenter has not allowed you to draw');
    const to = socket.to(syncRoom(d.roundId));
    (d.draft ? to.except(withheldRoom(d.roundId, d.draft.target.studyUid)) : to).emit('sync:draft', {
      roundId: d.roundId,
      id: d.id,
      authorId: actor.id,
      authorName: actor.displayName,
      color: authorColor(actor.id),
      draft: d.draft,
    });
    return undefined;
  }

  /** Relay the presenter's laser pointer. */
  async laser(socket: IoSocket, d: SyncCommandData<'laser'>): Promise<undefined> {
    this.#session(socket, d.roundId);
    const actor = socket.data.actor;
    if ((await this.#rolesOf(d.roundId)).presenterId !== actor.id)
      throw forbidden('only the presenter points');
    socket.to(syncRoom(d.roundId)).emit('sync:laser', {
      roundId: d.roundId,
      userId: actor.id,
      color: authorColor(actor.id),
      point: d.point,
    });
    return undefined;
  }

  /**
   * Take a user out of a round's viewer on every node at once: their sockets leave the room (no more events, and
   * their commands are refused), they are told, and if they were presenting, presenting ends.
   */
  async revoke(roundId: string, userId: string, reason: 'removed' | 'ended'): Promise<void> {
    this.io.in(userRoom(userId)).socketsLeave(syncRoom(roundId));
    this.io.to(userRoom(userId)).emit('sync:revoked', { roundId, reason });
    this.#roles.delete(roundId);
    if (reason === 'removed') {
      await this.#systemOp(roundId, (s) =>
        s.presenter?.userId === userId ? { type: 'presenterChanged', presenter: null } : null,
      );
      await this.#systemOp(roundId, (s) =>
        s.drawers.includes(userId)
          ? { type: 'drawersChanged', drawers: s.drawers.filter((u) => u !== userId) }
          : null,
      );
    }
  }

  /** Who presents in the round's shared viewer now (null: nobody). Rounds ask it: the presenter lowers hands. */
  async presenterOf(roundId: string): Promise<string | null> {
    return (await this.store.get(roundId)).presenter?.userId ?? null;
  }

  /**
   * Re-check everyone in a round's viewer against current data (after the round, or the access to a case it
   * presents, changed): whoever no longer takes part is revoked; the others' withheld studies are recomputed;
   * when the round ended, everyone is revoked and its state is dropped.
   */
  async revalidateRound(roundId: string): Promise<void> {
    const sockets = await this.io.in(syncRoom(roundId)).fetchSockets();
    const users = [...new Set(sockets.map((s) => s.data.actor.id))];
    let ended = false;
    const staying = new Set<string>();
    for (const userId of users) {
      const p = await participation(this.db, roundId, userId);
      if (p?.status === 'ended') ended = true;
      if (!p || p.status === 'ended') await this.revoke(roundId, userId, p ? 'ended' : 'removed');
      else staying.add(userId);
    }
    // Those who stay: the studies they may view may have changed (agenda, consent, care team).
    for (const s of sockets.filter((x) => staying.has(x.data.actor.id))) {
      const rooms = withheldRooms(
        s.rooms,
        roundId,
        (await studyAccess(this.db, roundId, s.data.actor)).denied,
      );
      for (const r of rooms.leave) s.leave(r);
      if (rooms.join.length) s.join(rooms.join);
    }
    if (!ended) ended = (await roundStatus(this.db, roundId))?.status === 'ended';
    if (ended) await this.store.clear(roundId);
  }

  #sessionsOf(socket: IoSocket): Map<string, Session> {
    let m = this.#sessions.get(socket);
    if (!m) this.#sessions.set(socket, (m = new Map()));
    return m;
  }

  /** The socket's session in a round; refused when it never joined or was taken out of the room. */
  #session(socket: IoSocket, roundId: string): Session {
    const s = this.#sessions.get(socket)?.get(roundId);
    if (!s || !socket.rooms.has(syncRoom(roundId))) throw forbidden('join the round viewer first');
    return s;
  }
}
