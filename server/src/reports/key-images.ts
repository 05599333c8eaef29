/**
 * Key images must point at imaging the consultation can see: an instance of a study linked to the consultation
 * (consultation_studies), a frame the instance has, and annotations drawn on that instance and frame.
 */
import type { ReportKeyImage } from '@consult/shared';
import type { Executor } from '../db/database';
import { badRequest } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The stored instance a key image points at, if it is in a study linked to the consultation. */
export function keyImageInstance(
  db: Executor,
  consultationId: string,
  hospitalIds: string[],
  k: Pick<ReportKeyImage, 'studyInstanceUid' | 'sopInstanceUid'>,
) {
  return db
    .selectFrom('imaging_instances as im')
    .innerJoin('imaging_studies as s', 's.id', 'im.study_ref')
    .innerJoin('imaging_series as se', 'se.id', 'im.series_ref')
    .innerJoin('consultation_studies as cs', (j) =>
      j.onRef('cs.study_instance_uid', '=', 's.study_uid').on('cs.consultation_id', '=', consultationId),
    )
    .select(['im.id', 'im.frames', 'im.sha256', 'im.transfer_syntax_uid', 'se.modality'])
    .where('im.sop_uid', '=', k.sopInstanceUid)
    .where('s.study_uid', '=', k.studyInstanceUid)
    .where('s.hospital_id', 'in', hospitalIds)
    .executeTakeFirst();
}

export async function checkKeyImages(
  db: Executor,
  consultationId: string,
  hospitalIds: string[],
  keyImages: ReportKeyImage[],
): Promise<void> {
  for (const [i, k] of keyImages.entries()) {
    const field = `/body/content/keyImages/${i}`;
    const inst = await keyImageInstance(db, consultationId, hospitalIds, k);
    if (!inst)
      throw badRequest(
        `key image ${i + 1}: instance ${k.sopInstanceUid} is not in a study linked to this consultation`,
        `${field}/sopInstanceUid`,
      );
    if (k.frame > inst.frames)
      throw badRequest(
        `key image ${i + 1}: the instance has ${inst.frames} frame(s), not ${k.frame}`,
        `${field}/frame`,
      );
    if (k.annotationIds.length === 0) continue;
    const bad = k.annotationIds.find((a) => !UUID.test(a));
    if (bad)
      throw badRequest(
        `key image ${i + 1}: annotation ${bad} does not exist on that frame`,
        `${field}/annotationIds`,
      );
    const found = await db
      .selectFrom('imaging_annotations')
      .select('id')
      .where('id', 'in', k.annotationIds)
      .where('instance_ref', '=', inst.id)
      .where('frame', '=', k.frame - 1) // annotations count frames from 0, key images from 1 (DICOM)
      .execute();
    const have = new Set(found.map((r) => r.id));
    const missing = k.annotationIds.find((a) => !have.has(a.toLowerCase()) && !have.has(a));
    if (missing)
      throw badRequest(
        `key image ${i + 1}: annotation ${missing} does not exist on that frame`,
        `${field}/annotationIds`,
      );
  }
}
