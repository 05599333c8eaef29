import { sql, type ExpressionBuilder } from 'kysely';
import { can, Permission, ROLES, type Role } from '@consult/shared';
import type { Database, Executor } from '../db/database';

/**
 * Round participation, as synchronized viewing and the round-scoped study access see it: the round's host, its
 * invitees (round_invitees of the rounds capability) and the host hospital's colleagues whose role may join rounds
 * (the rounds capability lets them see and join the round, so its viewer must not refuse them) take part; the grant lasts while the round is live
 * (scheduled rounds may already gather in the viewer, but their studies open only once the round is live).
 * Everything reads the rounds tables at the moment of the check, so a removal or the round's end applies to the
 * very next check.
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
    .where((eb) => isParticipant(eb, userId))
    .executeTakeFirst();
  if (!row) return null;
  return { roundId: row.id, status: row.status, isHost: row.host_id === userId };
}

/** Roles that may join rounds (the permission table in shared/). */
const JOINING_ROLES: Role[] = ROLES.filter((r) => can(r, Permission.RoundsJoin));

/** Participant: host, invitee, or a same-hospital colleague of the host (with a joining role) of the round `r`. */
// Typed loosely on purpose: it is used inside queries whose other tables differ (`r` must be in scope).
function isParticipant(eb: ExpressionBuilder<any, any>, userId: string) {
  const e = eb as ExpressionBuilder<Database & { r: Database['rounds'] }, 'r'>;
  return e.or([
    e('r.host_id', '=', userId),
    e.exists(
      e
        .selectFrom('round_invitees as ri')
        .select(sql<number>`1`.as('one'))
        .whereRef('ri.round_id', '=', 'r.id')
        .where('ri.user_id', '=', userId),
    ),
    e.exists(
      e
        .selectFrom('users as colleague')
        .select(sql<number>`1`.as('one'))
        .where('colleague.id', '=', userId)
        .whereRef('colleague.hospital_id', '=', 'r.hospital_id')
        .where('colleague.role', 'in', JOINING_ROLES),
    ),
  ]);
}

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

/**
 * The round-scoped branch of the imaging access rule (plugged into server/src/imaging/access.ts): the study is
 * linked to a consultation on the agenda of a LIVE round the user takes part in, and belongs to that
 * consultation's requesting hospital (a link cannot open another hospital's study sharing the UID).
 */
export function liveRoundGrantsStudy(
  eb: ExpressionBuilder<Database, 'imaging_studies'>,
  userId: string | null,
) {
  return eb.exists(
    eb
      .selectFrom('rounds as r')
      .innerJoin('round_agenda_items as ai', 'ai.round_id', 'r.id')
      .innerJoin('consultation_studies as rcs', 'rcs.consultation_id', 'ai.consultation_id')
      .innerJoin('consultations as rc', 'rc.id', 'ai.consultation_id')
      .select(sql<number>`1`.as('one'))
      .where('r.status', '=', 'live')
      .whereRef('rcs.study_instance_uid', '=', 'imaging_studies.study_uid')
      .whereRef('rc.requesting_hospital_id', '=', 'imaging_studies.hospital_id')
      .where((w) => isParticipant(w, userId ?? NIL_UUID)),
  );
}
