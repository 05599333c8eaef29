import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleTo } from '../consultations/links';
// [sync, issue 8] the round-scoped branch lives in the sync capability (server/src/sync/access.ts).
import { liveRoundGrantsStudy } from '../sync/access';

/**
 * THE access rule for imaging, in one place (QIDO, WADO-RS, WADO-URI, metadata, frames, annotations, SR all
 * filter through it). A clinical user sees:
 *  1. studies owned by their own hospital;
 *  2. studies linked (consultation_studies, by Study Instance UID) to a consultation they may see — the
 *     consultations capability decides that (`visibleTo`) — when the study belongs to the consultation's
 *     requesting hospital (a link cannot open another hospital's study that happens to share a UID).
 * Round-based access (issue 8) extends this function with a third branch. Everything else answers 404.
 */
export function visibleStudy(actor: Actor) {
  const hid = actor.hospitalId ?? '00000000-0000-0000-0000-000000000000';
  return (eb: ExpressionBuilder<Database, 'imaging_studies'>) =>
    eb.or([
      eb('imaging_studies.hospital_id', '=', hid),
      eb.exists(
        eb
          .selectFrom('consultation_studies as cs')
          .innerJoin('consultations as c', 'c.id', 'cs.consultation_id')
          .select(sql<number>`1`.as('one'))
          .whereRef('cs.study_instance_uid', '=', 'imaging_studies.study_uid')
          .whereRef('c.requesting_hospital_id', '=', 'imaging_studies.hospital_id')
          .where((w) => visibleTo(actor)(w as unknown as Parameters<ReturnType<typeof visibleTo>>[0])),
      ),
      // [sync, issue 8] 3. a participant (host/invitee) of a LIVE round whose agenda links the study's
      // consultation; removal from the round or its end revokes this on the very next request.
      liveRoundGrantsStudy(eb, actor.id),
    ]);
}
