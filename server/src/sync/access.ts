import { sql } from 'kysely';
import type { Executor } from '../db/database';
import { roundParticipant, type Who } from '../access/relations';

/**
 * Round participation, as synchronized viewing sees it: the access policy's participants (the host, invitees,
 * the host hospital's colleagues whose role may join rounds). Which studies a participant may open is the
 * policy's question too (server/src/access: a round presents cases; it grants them to people outside the care
 * team only with the requesting hospital's consent, read-only, while live). Everything reads the tables at the
 * moment of the check, so a removal or the round's end applies to the very next check.
 */

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface Participation {
  roundId: string;
  status: 'scheduled' | 'live' | 'ended';
  isHost: boolean;
}

/** The caller's participation in a round, or null when they do not take part. */
export async function participation(
  db: Executor,
  roundId: string,
  userId: string,
): Promise<Participation | null> {
  const row = await db
    .selectFrom('rounds as r')
    .select(['r.id', 'r.status', 'r.host_id'])
    .where('r.id', '=', roundId)
    .where(() => isParticipant(userId))
    .executeTakeFirst();
  if (!row) return null;
  return { roundId: row.id, status: row.status, isHost: row.host_id === userId };
}

/** A user by id, as the policy's "who" (their hospital and role read now, not at connect). */
const userById = (userId: string): Who => ({
  id: sql`${userId}::uuid`,
  hospitalId: sql`(select u.hospital_id from users u where u.id = ${userId}::uuid)`,
  role: sql`(select u.role from users u where u.id = ${userId}::uuid)`,
});

/** Participant of the round `r`: the access policy's rule (server/src/access/relations.ts). */
const isParticipant = (userId: string) => roundParticipant(userById(userId), 'r');

/** StudyInstanceUIDs the round links: studies of the consultations on its agenda. */
export async function roundStudyUids(db: Executor, roundId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('round_agenda_items as ai')
    .innerJoin('consultation_studies as cs', 'cs.consultation_id', 'ai.consultation_id')
    .select('cs.study_instance_uid')
    .distinct()
    .where('ai.round_id', '=', roundId)
    .orderBy('cs.study_instance_uid')
    .execute();
  return rows.map((r) => r.study_instance_uid);
}

/** Display names of users who take part in the round (for hand-over). */
export async function participant(
  db: Executor,
  roundId: string,
  userId: string,
): Promise<{ userId: string; displayName: string } | null> {
  const p = await participation(db, roundId, userId);
  if (!p || p.status === 'ended') return null;
  const u = await db
    .selectFrom('users')
    .select(['id', 'display_name'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return u ? { userId: u.id, displayName: u.display_name } : null;
}

/** Live rounds whose agenda presents the consultation (to re-check their viewers when access to it changes). */
export async function liveRoundsPresenting(db: Executor, consultationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('round_agenda_items as ai')
    .innerJoin('rounds as r', 'r.id', 'ai.round_id')
    .select('r.id')
    .distinct()
    .where('ai.consultation_id', '=', consultationId)
    .where('r.status', '=', 'live')
    .execute();
  return rows.map((r) => r.id);
}
