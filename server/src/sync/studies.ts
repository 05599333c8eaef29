import type { SyncStudy } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleStudy } from '../imaging/access';
import { roundStudyUids } from './access';

// (Kept apart from access.ts, which the imaging access rule imports: no import cycle.)
/** The round's studies as `actor` can load them (imaging id when visible to them, else null). */
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
  return uids.map((uid) => {
    const r = rows.find((x) => x.study_uid === uid);
    return { studyUid: uid, studyId: r?.id ?? null, description: r?.study_description ?? '' };
  });
}
