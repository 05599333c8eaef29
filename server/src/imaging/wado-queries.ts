import { sql } from 'kysely';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { PREPARED } from '../db/connect';
import { visibleStudy } from './access';

/**
 * One instance addressed by study, series and SOP Instance UID, in a study the actor may view (the one access
 * policy, imaging/access.ts), in ONE statement: the frames hot path (a viewer asks for hundreds of frames) needs
 * the instance row and its study's id, not the study's summary (modalities, counts) that findStudies computes.
 * A study held by the actor's own hospital comes first, as in findStudies. Its text is the same for every actor
 * and instance (values bound), so it runs as a prepared statement: planned once, not per frame.
 */
export function findVisibleInstance(
  db: Executor,
  actor: Actor,
  uids: { study: string; series: string; sop: string },
) {
  return db
    .selectFrom('imaging_instances as i')
    .innerJoin('imaging_series as se', 'se.id', 'i.series_ref')
    .innerJoin('imaging_studies', 'imaging_studies.id', 'i.study_ref')
    .where(visibleStudy(actor))
    .where('imaging_studies.study_uid', '=', uids.study)
    .where('se.series_uid', '=', uids.series)
    .where('i.sop_uid', '=', uids.sop)
    .selectAll('i')
    .select(['se.series_uid', 'se.modality', 'imaging_studies.study_uid'])
    .orderBy(sql`case when imaging_studies.hospital_id = ${actor.hospitalId ?? ''} then 0 else 1 end`)
    .limit(1)
    .modifyFront(sql.raw(PREPARED))
    .executeTakeFirst();
}
