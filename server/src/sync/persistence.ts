import type { SyncAnnotation, SyncAnnotationData, SyncCommandData } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { notFound } from '../errors';
import { visibleStudy } from '../imaging/access';
import { createAnnotation, deleteAnnotation, updateAnnotation } from '../imaging/service';

type NewAnnotation = SyncCommandData<'annotationCommit'>['annotation'];

/** Finished marks are kept by the imaging capability's annotation store (its access rule, version check, audit). */
export interface AnnotationPersistence {
  /** Store a new mark as the actor; returns the store's id. */
  create(actor: Actor, a: NewAnnotation): Promise<string>;
  /** Store `cur` (which has a storeId) with new data. Throws DomainError('conflict') when the stored version moved on. */
  update(actor: Actor, cur: SyncAnnotation, data: SyncAnnotationData): Promise<void>;
  remove(actor: Actor, storeId: string, version: number): Promise<void>;
}

export function imagingAnnotationStore(db: DB): AnnotationPersistence {
  return {
    async create(actor, a) {
      // The study by its UID, as this actor may see it (own hospital, consultation link, or the live round).
      const study = await db
        .selectFrom('imaging_studies')
        .select('imaging_studies.id')
        .where('imaging_studies.study_uid', '=', a.target.studyUid)
        .where(visibleStudy(actor))
        .orderBy('imaging_studies.created_at')
        .executeTakeFirst();
      if (!study) throw notFound('study');
      const stored = await createAnnotation(db, actor, study.id, {
        sopInstanceUid: a.target.sopInstanceUid,
        frame: a.target.frame,
        tool: a.tool,
        // The store keeps tool data opaque; the sync id and stack position let a viewer place it again.
        data: storedData(a.id, a.target, a.data),
      });
      return stored.id;
    },
    async update(actor, cur, data) {
      await updateAnnotation(db, actor, cur.storeId!, {
        data: storedData(cur.id, cur.target, data),
        version: cur.version,
      });
    },
    async remove(actor, storeId, version) {
      await deleteAnnotation(db, actor, storeId, version);
    },
  };
}

const storedData = (
  id: string,
  target: NewAnnotation['target'],
  data: SyncAnnotationData,
): Record<string, unknown> => ({
  ...data,
  syncId: id,
  seriesUid: target.seriesUid,
  imageIndex: target.imageIndex,
});
