import type { Executor } from '../db/database';
import { findUserById } from '../auth/queries';
import * as q from './queries';

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
  const row = await q.findParticipatedRound(db, roundId, userId);
  if (!row) return null;
  return { roundId: row.id, status: row.status, isHost: row.host_id === userId };
}

/** StudyInstanceUIDs the round links: studies of the consultations on its agenda. */
export async function roundStudyUids(db: Executor, roundId: string): Promise<string[]> {
  return (await q.agendaStudyUids(db, roundId)).map((r) => r.study_instance_uid);
}

/** Display names of users who take part in the round (for hand-over). */
export async function participant(
  db: Executor,
  roundId: string,
  userId: string,
): Promise<{ userId: string; displayName: string } | null> {
  const p = await participation(db, roundId, userId);
  if (!p || p.status === 'ended') return null;
  const u = await findUserById(db, userId);
  return u ? { userId: u.id, displayName: u.display_name } : null;
}

/** Live rounds whose agenda presents the consultation (to re-check their viewers when access to it changes). */
export async function liveRoundsPresenting(db: Executor, consultationId: string): Promise<string[]> {
  return (await q.liveRoundsWithCase(db, consultationId)).map((r) => r.id);
}
