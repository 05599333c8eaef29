/** SQL of the imaging annotation store (annotations.ts decides; this file only reads and writes rows). */
import type { Executor } from '../db/database';

/** A stored mark with what every reader needs: its image (for measuring and SR references) and its author. */
export function annotationRows(db: Executor) {
  return db
    .selectFrom('imaging_annotations as a')
    .innerJoin('imaging_instances as i', 'i.id', 'a.instance_ref')
    .innerJoin('imaging_series as se', 'se.id', 'i.series_ref')
    .innerJoin('users as u', 'u.id', 'a.author_id')
    .selectAll('a')
    .select([
      'i.sop_uid',
      'i.sop_class_uid',
      'i.frames',
      'i.sha256',
      'i.transfer_syntax_uid',
      'se.series_uid',
      'se.modality',
      'u.display_name as author_name',
    ]);
}
export type AnnotationRow = Awaited<ReturnType<ReturnType<typeof annotationRows>['executeTakeFirstOrThrow']>>;

export const findInstance = (db: Executor, studyRef: string, sopUid: string) =>
  db
    .selectFrom('imaging_instances')
    .select(['id', 'frames', 'sha256', 'transfer_syntax_uid'])
    .where('study_ref', '=', studyRef)
    .where('sop_uid', '=', sopUid)
    .executeTakeFirst();

export const findAnnotation = (db: Executor, id: string) =>
  db.selectFrom('imaging_annotations').selectAll().where('id', '=', id).executeTakeFirst();

export interface AnnotationValues {
  points: string;
  text: string | null;
  measurements: string | null;
}

export const insertAnnotation = (
  db: Executor,
  row: AnnotationValues & {
    id: string;
    study_ref: string;
    instance_ref: string;
    frame: number;
    tool: string;
    author_id: string;
    at: Date;
  },
) =>
  db
    .insertInto('imaging_annotations')
    .values({
      id: row.id,
      study_ref: row.study_ref,
      instance_ref: row.instance_ref,
      frame: row.frame,
      tool: row.tool,
      points: row.points,
      text: row.text,
      measurements: row.measurements,
      author_id: row.author_id,
      version: 1,
      created_at: row.at,
      updated_at: row.at,
    })
    .execute();

/** Write new geometry at `version` + 1 when the row is still at `version`; the number of rows changed. */
export async function updateAnnotationRow(
  db: Executor,
  id: string,
  version: number,
  v: AnnotationValues,
): Promise<number> {
  const res = await db
    .updateTable('imaging_annotations')
    .set({ ...v, version: version + 1, updated_at: new Date() })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Fill the measurements of a row that has none yet (rows migrated from the old shape); no new version. */
export const setMeasurements = (db: Executor, id: string, version: number, measurements: string) =>
  db
    .updateTable('imaging_annotations')
    .set({ measurements })
    .where('id', '=', id)
    .where('version', '=', version)
    .where('measurements', 'is', null)
    .execute();

export async function deleteAnnotationRow(db: Executor, id: string, version: number): Promise<number> {
  const res = await db
    .deleteFrom('imaging_annotations')
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
