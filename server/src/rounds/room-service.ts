/**
 * What the live room (events.ts) stores and checks: who may join, a round going live, the agenda pointer, chat,
 * and recordings (started, finished, watched).
 */
import crypto from 'node:crypto';
import { can, Permission, type ChatMessage, type RoundPerson } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { auditRead } from '../consultations/read-audit';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import type { RecordingRow, RoundRow } from './tables';
import * as q from './queries';
import { permittedCases } from '../access/policy';
import { isHost, toPerson, visibleRound } from './service';

async function person(db: Executor, userId: string): Promise<RoundPerson> {
  const [row] = await q.people(db, [userId]);
  if (!row) throw notFound('user');
  return toPerson(row);
}

/** Who can enter the media room: anyone who sees the round, with the join permission, before it ends. */
export async function authorizeJoin(
  db: DB,
  actor: Actor,
  roundId: string,
): Promise<{ round: RoundRow; me: RoundPerson }> {
  const round = await visibleRound(db, actor, roundId);
  if (!can(actor.role, Permission.RoundsJoin))
    throw forbidden(`your role (${actor.role}) may not join rounds`);
  if (round.status === 'ended') throw new DomainError('invalid_transition', 'the round has ended');
  return { round, me: await person(db, actor.id) };
}

/**
 * Audit the join; the first join also turns a scheduled round live (the change and its audit record commit
 * together). Joining a round that is already live changes nothing: that record is a visit, queued like a read
 * (never lost, see read-audit.ts), so the join does not wait for a commit. Returns true when it just went live.
 */
export async function markLive(db: DB, actor: Actor, round: RoundRow): Promise<boolean> {
  const entry = (wentLive: boolean) => ({
    actor,
    action: 'round.join',
    entityType: 'round',
    entityId: round.id,
    ip: actor.ip,
    detail: { wentLive },
  });
  const live =
    round.status === 'scheduled' &&
    (await db.transaction().execute(async (trx) => {
      if (!(await q.setLive(trx, round.id))) return false; // another join made it live first
      await recordAudit(trx, entry(true));
      return true;
    }));
  if (!live) auditRead(db, entry(false));
  return live;
}

export async function setAgendaItem(
  db: DB,
  actor: Actor,
  roundId: string,
  itemId: string | null,
): Promise<void> {
  const round = await visibleRound(db, actor, roundId);
  if (!isHost(actor, round)) throw forbidden('only the host moves the agenda');
  if (itemId && !(await q.agenda(db, roundId)).some((a) => a.id === itemId)) throw notFound('agenda item');
  await q.setCurrentAgendaItem(db, roundId, itemId);
}

export async function chatHistory(db: DB, roundId: string): Promise<ChatMessage[]> {
  return (await q.chatHistory(db, roundId)).reverse().map((r) => ({
    id: r.id,
    roundId: r.round_id,
    userId: r.user_id,
    displayName: r.display_name,
    text: r.text,
    at: r.created_at.toISOString(),
  }));
}

/**
 * Post a chat message under the sender's id for it (or a new one). Asked again with the same id (its answer was
 * lost with a dropped socket), it answers the message already stored, `fresh: false`, so nobody sees it twice; the
 * same id for another message, sender or round is refused.
 */
export async function postChat(
  db: DB,
  actor: Actor,
  roundId: string,
  text: string,
  id: string = crypto.randomUUID(),
): Promise<{ message: ChatMessage; fresh: boolean }> {
  const trimmed = text.trim();
  if (!trimmed) throw badRequest('empty message', 'text');
  const inserted = await q.insertChatMessage(db, { id, round_id: roundId, user_id: actor.id, text: trimmed });
  const row = inserted ?? (await q.chatMessageById(db, id));
  if (!row || row.user_id !== actor.id || row.round_id !== roundId || row.text !== trimmed)
    throw new DomainError('conflict', 'another chat message already has this id');
  const message = {
    id: row.id,
    roundId,
    userId: actor.id,
    displayName: actor.displayName,
    text: row.text,
    at: row.created_at.toISOString(),
  };
  return { message, fresh: !!inserted };
}

export function assertCanRecord(actor: Actor, round: RoundRow): void {
  if (!isHost(actor, round) || !can(actor.role, Permission.RoundsRecord))
    throw forbidden('only the host records a round');
}

export async function recordingStarted(
  db: DB,
  actor: Actor,
  roundId: string,
  id: string,
  fileName: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await q.insertRecording(trx, {
      id,
      round_id: roundId,
      status: 'recording',
      file_name: fileName,
      mime_type: 'video/webm',
      started_by: actor.id,
      started_at: new Date(),
      ended_at: null,
    });
    await recordAudit(trx, {
      actor,
      action: 'round.recording.start',
      entityType: 'round',
      entityId: roundId,
      ip: actor.ip,
      detail: { recordingId: id },
    });
  });
}

export async function recordingFinished(db: DB, id: string, ok: boolean, sizeBytes: number): Promise<void> {
  await q.finishRecording(db, id, ok, sizeBytes);
}

/** A recording the actor may watch (they can see the round), audited as a read. */
export async function recordingForViewing(
  db: DB,
  actor: Actor,
  roundId: string,
  recordingId: string,
): Promise<RecordingRow> {
  await visibleRound(db, actor, roundId);
  const rec = await q.findRecording(db, roundId, recordingId);
  if (!rec) throw notFound('recording');
  if (rec.status !== 'ready') throw new DomainError('conflict', 'the recording is not finished yet');
  // A recording shows the cases presented: it outlives the round, so a teaching consent (live only) does not
  // cover it — the viewer must be on the care team of every case on the agenda (the access policy).
  const cases = [
    ...new Set((await q.agenda(db, roundId)).flatMap((a) => (a.consultation_id ? [a.consultation_id] : []))),
  ];
  const readable = await permittedCases(db, actor, cases, 'case:read');
  const hidden = cases.filter((c) => !readable.has(c)).length;
  if (hidden)
    throw new DomainError(
      'forbidden',
      `the recording shows ${hidden} case(s) whose care team you are not on; only their teams may watch it`,
    );
  await recordAudit(db, {
    actor,
    action: 'round.recording.view',
    entityType: 'round',
    entityId: roundId,
    ip: actor.ip,
    detail: { recordingId },
  });
  return rec;
}
