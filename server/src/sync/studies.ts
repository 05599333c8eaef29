import type { SyncStudy } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleStudy } from '../imaging/access';
import { roundStudyUids } from './access';

/**
 * The round's studies that `actor` may view (the access policy): a participant outside the care team sees none
 * of a case whose hospital did not consent to teaching use — not even its UIDs.
 */
export async function roundStudies(db: Executor, roundId: string, actor: Actor): Promise<SyncStudy[]> {
  const uids = await roundStudyUids(db, roundId);
  if (!uids.length) return [];
  const rows = await db
    .selectFrom('imaging_studies')
    .select(['imaging_studies.id', 'imaging_studies.study_uid', 'imaging_studies.study_description'])
    .where('imaging_studies.study_uid', 'in', uids)
    .where(visibleStudy(actor))
    .orderBy('imaging_studies.created_at')
    .execute();
  return uids.flatMap((uid) => {
    const r = rows.find((x) => x.study_uid === uid);
    return r ? [{ studyUid: uid, studyId: r.id, description: r.study_description }] : [];
  });
}
