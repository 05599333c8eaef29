/**
 * Key images must point at imaging the consultation can see: an instance of a study linked to the consultation
 * (consultation_studies), a frame the instance has, and annotations drawn on that instance and frame.
 */
import type { ReportKeyImage } from '@consult/shared';
import type { Executor } from '../db/database';
import { badRequest } from '../errors';
import { annotationsOnFrame, keyImageInstance } from './document-queries';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    // annotations count frames from 0, key images from 1 (DICOM)
    const found = await annotationsOnFrame(db, k.annotationIds, inst.id, k.frame - 1);
    const have = new Set(found.map((r) => r.id));
    const missing = k.annotationIds.find((a) => !have.has(a.toLowerCase()) && !have.has(a));
    if (missing)
      throw badRequest(
        `key image ${i + 1}: annotation ${missing} does not exist on that frame`,
        `${field}/annotationIds`,
      );
  }
}
