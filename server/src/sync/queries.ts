/**
 * Synchronized viewing's SQL: who takes part in a round (the access policy's `roundParticipant`), the studies its
 * agenda links, and those studies as a viewer may see them (the imaging capability's `visibleStudy`).
 */
import { sql } from 'kysely';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { roundParticipant, type Who } from '../access/relation-queries';
import { visibleStudy } from '../imaging/access';

/** A user by id, as the policy's "who" (their hospital and role read now, not at connect). */
const userById = (userId: string): Who => ({
  id: sql`${userId}::uuid`,
  hospitalId: sql`(select u.hospital_id from users u where u.id = ${userId}::uuid)`,
  role: sql`(select u.role from users u where u.id = ${userId}::uuid)`,
});

/** The round, when the user takes part in it (the access policy's rule, server/src/access/relation-queries.ts). */
export const findParticipatedRound = (db: Executor, roundId: string, userId: string) =>
  db
    .selectFrom('rounds as r')
    .select(['r.id', 'r.status', 'r.host_id'])
    .where('r.id', '=', roundId)
    .where(() => roundParticipant(userById(userId), 'r'))
    .executeTakeFirst();

export const roundStatus = (db: Executor, roundId: string) =>
  db.selectFrom('rounds').select('status').where('id', '=', roundId).executeTakeFirst();

/** The StudyInstanceUIDs linked to the consultations on the round's agenda, each once, in UID order. */
export const agendaStudyUids = (db: Executor, roundId: string) =>
  db
    .selectFrom('round_agenda_items as ai')
    .innerJoin('consultation_studies as cs', 'cs.consultation_id', 'ai.consultation_id')
    .select('cs.study_instance_uid')
    .distinct()
    .where('ai.round_id', '=', roundId)
    .orderBy('cs.study_instance_uid')
    .execute();

/** Live rounds whose agenda presents the consultation. */
export const liveRoundsWithCase = (db: Executor, consultationId: string) =>
  db
    .selectFrom('round_agenda_items as ai')
    .innerJoin('rounds as r', 'r.id', 'ai.round_id')
    .select('r.id')
    .distinct()
    .where('ai.consultation_id', '=', consultationId)
    .where('r.status', '=', 'live')
    .execute();

/** The studies with these UIDs that the actor may view, oldest first. */
export const visibleStudiesByUid = (db: Executor, actor: Actor, studyUids: string[]) =>
  db
    .selectFrom('imaging_studies')
    .select(['imaging_studies.id', 'imaging_studies.study_uid', 'imaging_studies.study_description'])
    .where('imaging_studies.study_uid', 'in', studyUids)
    .where(visibleStudy(actor))
    .orderBy('imaging_studies.created_at')
    .execute();

/**
 * The oldest study with this UID that the actor may view (own hospital, consultation link, or the live round):
 * the one whose marks a round shows and stores.
 */
export const firstVisibleStudy = (db: Executor, actor: Actor, studyUid: string) =>
  db
    .selectFrom('imaging_studies')
    .select('imaging_studies.id')
    .where('imaging_studies.study_uid', '=', studyUid)
    .where(visibleStudy(actor))
    .orderBy('imaging_studies.created_at')
    .executeTakeFirst();
