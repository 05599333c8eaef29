/**
 * The imaging annotation store, in the one annotation model (shared/src/annotations): points in image pixels,
 * text, and measurements the server computes from the points and the stored pixels on every write. Rows migrated
 * from the old shape carry no measurements until first read, when they are measured the same way.
 * Everyone who may view the study reads its marks; only the author changes or deletes one (403 naming why).
 */
import crypto from 'node:crypto';
import {
  geometryFault,
  mayEditMark,
  type Annotation,
  type AnnotationCreate,
  type AnnotationTool,
  type AnnotationUpdate,
  type ImagePoint,
  type Measurement,
} from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { badRequest, conflict, DomainError, notFound } from '../errors';
import { RenderError } from './render';
import { measureStored, type MeasuredInstance } from './measure';
import type { BlobStore } from './storage';
import { visibleStudyOr404 } from './service';
import * as aq from './annotation-queries';

/** A stored row with its measurements filled (computed now when it had none). */
export type MeasuredRow = aq.AnnotationRow & { measured: Measurement[]; pointList: ImagePoint[] };

const parse = <T>(s: string | null, fallback: T): T => {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
};

async function measureOrRefuse(
  store: BlobStore,
  inst: MeasuredInstance,
  frame: number,
  tool: AnnotationTool,
  points: ImagePoint[],
): Promise<Measurement[]> {
  try {
    return await measureStored(store, inst, frame, tool, points);
  } catch (err) {
    if (err instanceof RenderError) throw badRequest(`the image cannot be measured: ${err.message}`);
    throw err;
  }
}

/** The rows with measurements; rows migrated without them are measured now and the values kept. */
export async function measuredRows(
  db: Executor,
  store: BlobStore,
  rows: aq.AnnotationRow[],
): Promise<MeasuredRow[]> {
  const out: MeasuredRow[] = [];
  for (const r of rows) {
    const pointList = parse<ImagePoint[]>(r.points, []);
    let measured = parse<Measurement[] | null>(r.measurements, null);
    if (measured === null) {
      measured = await measureStored(store, r, r.frame, r.tool as AnnotationTool, pointList).catch(() => []);
      await aq.setMeasurements(db, r.id, r.version, JSON.stringify(measured));
    }
    out.push({ ...r, measured, pointList });
  }
  return out;
}

export const toAnnotation = (r: MeasuredRow): Annotation => ({
  id: r.id,
  studyId: r.study_ref,
  seriesInstanceUid: r.series_uid,
  sopInstanceUid: r.sop_uid,
  frame: r.frame,
  tool: r.tool as AnnotationTool,
  points: r.pointList,
  text: r.text,
  measurements: r.measured,
  authorId: r.author_id,
  authorName: r.author_name,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

async function one(db: DB, store: BlobStore, id: string): Promise<Annotation> {
  const row = await aq.annotationRows(db).where('a.id', '=', id).executeTakeFirstOrThrow();
  return toAnnotation((await measuredRows(db, store, [row]))[0]!);
}

export async function listAnnotations(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyId: string,
): Promise<Annotation[]> {
  const study = await visibleStudyOr404(db, actor, studyId);
  const rows = await aq
    .annotationRows(db)
    .where('a.study_ref', '=', study.id)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
  return (await measuredRows(db, store, rows)).map(toAnnotation);
}

const checkGeometry = (tool: AnnotationTool, points: ImagePoint[]) => {
  const fault = geometryFault(tool, points);
  if (fault) throw badRequest(fault, '/body/points');
};
const textOf = (t: string | undefined) => (t?.trim() ? t.trim() : null);

export async function createAnnotation(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyId: string,
  body: AnnotationCreate,
): Promise<Annotation> {
  const study = await visibleStudyOr404(db, actor, studyId, 'case:annotate');
  const inst = await aq.findInstance(db, study.id, body.sopInstanceUid);
  if (!inst) throw badRequest('the SOP Instance UID is not part of this study', '/body/sopInstanceUid');
  if (body.frame >= Math.max(1, inst.frames))
    throw badRequest(`frame ${body.frame} is beyond the instance's ${inst.frames} frame(s)`, '/body/frame');
  checkGeometry(body.tool, body.points);
  const measurements = await measureOrRefuse(store, inst, body.frame, body.tool, body.points);
  const id = crypto.randomUUID();
  await db.transaction().execute(async (trx) => {
    await aq.insertAnnotation(trx, {
      id,
      study_ref: study.id,
      instance_ref: inst.id,
      frame: body.frame,
      tool: body.tool,
      points: JSON.stringify(body.points),
      text: textOf(body.text),
      measurements: JSON.stringify(measurements),
      author_id: actor.id,
      at: new Date(),
    });
    await recordAudit(trx, {
      actor,
      action: 'imaging.annotation.create',
      entityType: 'imaging_annotation',
      entityId: id,
      ip: actor.ip,
      detail: { studyId: study.id, tool: body.tool },
    });
  });
  return one(db, store, id);
}

/** The annotation, if its study is visible; the author check is separate (others may read, only the author edits). */
async function annotationForEdit(db: DB, actor: Actor, id: string, version: number) {
  const row = await aq.findAnnotation(db, id);
  if (!row) throw notFound('annotation');
  await visibleStudyOr404(db, actor, row.study_ref, 'case:annotate').catch((e: unknown) => {
    throw e instanceof DomainError && e.code === 'forbidden' ? e : notFound('annotation');
  });
  if (!mayEditMark({ authorId: row.author_id }, actor.id))
    throw new DomainError('not_author', 'only the author of a mark can change or delete it');
  if (row.version !== version)
    throw conflict(
      `the annotation was changed by its author meanwhile (now version ${row.version}); reload it`,
    );
  return row;
}

export async function updateAnnotation(
  db: DB,
  store: BlobStore,
  actor: Actor,
  id: string,
  body: AnnotationUpdate,
): Promise<Annotation> {
  const row = await annotationForEdit(db, actor, id, body.version);
  const tool = row.tool as AnnotationTool;
  checkGeometry(tool, body.points);
  const inst = await aq.annotationRows(db).where('a.id', '=', id).executeTakeFirstOrThrow();
  const measurements = await measureOrRefuse(store, inst, row.frame, tool, body.points);
  await db.transaction().execute(async (trx) => {
    const n = await aq.updateAnnotationRow(trx, id, body.version, {
      points: JSON.stringify(body.points),
      text: textOf(body.text),
      measurements: JSON.stringify(measurements),
    });
    if (n !== 1) throw conflict('the annotation was changed meanwhile; reload it');
    await recordAudit(trx, {
      actor,
      action: 'imaging.annotation.update',
      entityType: 'imaging_annotation',
      entityId: id,
      ip: actor.ip,
      detail: { version: body.version + 1 },
    });
  });
  return one(db, store, id);
}

export async function deleteAnnotation(db: DB, actor: Actor, id: string, version: number): Promise<void> {
  await annotationForEdit(db, actor, id, version);
  await db.transaction().execute(async (trx) => {
    if ((await aq.deleteAnnotationRow(trx, id, version)) !== 1)
      throw conflict('the annotation was changed meanwhile; reload it');
    await recordAudit(trx, {
      actor,
      action: 'imaging.annotation.delete',
      entityType: 'imaging_annotation',
      entityId: id,
      ip: actor.ip,
    });
  });
}
