import type { Measurement, SyncAnnotation, SyncAnnotationData, SyncCommandData } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { notFound } from '../errors';
import { createAnnotation, deleteAnnotation, updateAnnotation } from '../imaging/annotations';
import type { BlobStore } from '../imaging/storage';
import { firstVisibleStudy } from './queries';
import { savedMarks } from './saved';

type NewAnnotation = SyncCommandData<'annotationCommit'>['annotation'];

/**
 * Finished marks are kept by the imaging capability's annotation store (its access rule, author rule, version
 * check, audit), in the one annotation model: a round's mark is the same row a viewer's mark is, so the SR export,
 * key images and the standalone viewer see it. The store measures; its values go back into the round's state.
 */
export interface AnnotationPersistence {
  /** Store a new mark as the actor; returns the store's id and the measurements it computed. */
  create(actor: Actor, a: NewAnnotation): Promise<{ id: string; measurements: Measurement[] }>;
  /** Store `cur` (which has a storeId) with new geometry. Throws DomainError('conflict') when the stored version moved on. */
  update(actor: Actor, cur: SyncAnnotation, data: SyncAnnotationData): Promise<Measurement[]>;
  remove(actor: Actor, storeId: string, version: number): Promise<void>;
  /** The marks stored for a study (by UID) that the actor may view, as round annotations (./saved.ts). */
  saved(actor: Actor, studyUid: string): Promise<SyncAnnotation[]>;
}

export function imagingAnnotationStore(db: DB, store: BlobStore): AnnotationPersistence {
  return {
    async create(actor, a) {
      // The study by its UID, as this actor may see it (own hospital, consultation link, or the live round).
      const study = await firstVisibleStudy(db, actor, a.target.studyUid);
      if (!study) throw notFound('study');
      const stored = await createAnnotation(db, store, actor, study.id, {
        sopInstanceUid: a.target.sopInstanceUid,
        frame: a.target.frame,
        tool: a.tool,
        points: a.data.points,
        ...(a.data.text ? { text: a.data.text } : {}),
      });
      return { id: stored.id, measurements: stored.measurements };
    },
    async update(actor, cur, data) {
      const stored = await updateAnnotation(db, store, actor, cur.storeId!, {
        points: data.points,
        ...(data.text ? { text: data.text } : {}),
        version: cur.version,
      });
      return stored.measurements;
    },
    async remove(actor, storeId, version) {
      await deleteAnnotation(db, actor, storeId, version);
    },
    saved: (actor, studyUid) => savedMarks(db, store, actor, studyUid),
  };
}
