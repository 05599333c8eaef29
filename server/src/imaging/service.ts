import crypto from 'node:crypto';
import type {
  CaseAction,
  Annotation,
  AnnotationCreate,
  AnnotationUpdate,
  StudyDetail,
  StudyListQuery,
  StudySummary,
} from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../errors';
import type { ImagingAnnotationRow } from './tables';
import * as q from './queries';

export const toStudySummary = (r: q.StudyRow): StudySummary => ({
  id: r.id,
  hospitalId: r.hospital_id,
  studyInstanceUid: r.study_uid,
  patientName: r.patient_name,
  patientId: r.patient_id,
  patientSex: r.sex,
  patientBirthDate: r.birth_date,
  studyDate: r.study_date,
  accessionNumber: r.accession_number,
  description: r.study_description,
  modalities: (r.modalities ?? '').split('\\').filter(Boolean),
  numSeries: Number(r.num_series ?? 0),
  numInstances: Number(r.num_instances ?? 0),
  caseId: r.case_id,
  createdAt: r.created_at.toISOString(),
});

export async function listStudies(db: DB, actor: Actor, query: StudyListQuery): Promise<StudySummary[]> {
  const rows = await q.searchStudies(
    db,
    actor,
    {
      patientName: query.patientName
        ? /[*?]/.test(query.patientName)
          ? query.patientName
          : `*${query.patientName}*`
        : undefined,
      patientId: query.patientId,
      modalities: query.modality ? [query.modality] : undefined,
    },
    query.limit ?? 100,
    query.offset ?? 0,
  );
  await recordAudit(db, {
    actor,
    action: 'imaging.study.list',
    entityType: 'imaging_study',
    ip: actor.ip,
    detail: { count: rows.length },
  });
  return rows.map(toStudySummary);
}

/**
 * The study when the actor may do `action` on it (the access policy): 404 when they cannot even view it, 403
 * when they view it without the right to write (a teaching round's audience is read-only).
 */
export async function visibleStudyOr404(
  db: DB,
  actor: Actor,
  id: string,
  action: CaseAction = 'case:view-images',
): Promise<q.StudyRow> {
  const row = await q.findStudyById(db, actor, id);
  if (!row) throw notFound('study');
  if (action !== 'case:view-images' && !(await q.findStudyById(db, actor, id, action)))
    throw forbidden('you see this study in a teaching round only; it is read-only for you');
  return row;
}

export async function getStudy(db: DB, actor: Actor, id: string): Promise<StudyDetail> {
  const study = await visibleStudyOr404(db, actor, id);
  const series = await q.listSeries(db, study.id);
  const instances = await q.listInstances(db, study.id);
  await recordAudit(db, {
    actor,
    action: 'imaging.study.read',
    entityType: 'imaging_study',
    entityId: study.id,
    ip: actor.ip,
  });
  return {
    ...toStudySummary(study),
    series: series.map((s) => ({
      seriesInstanceUid: s.series_uid,
      modality: s.modality,
      seriesNumber: s.series_number,
      description: s.series_description,
      instances: instances
        .filter((i) => i.series_ref === s.id)
        .map((i) => ({
          sopInstanceUid: i.sop_uid,
          sopClassUid: i.sop_class_uid,
          transferSyntaxUid: i.transfer_syntax_uid,
          instanceNumber: i.instance_number,
          frames: i.frames,
          rows: i.rows,
          columns: i.columns,
        })),
    })),
  };
}

/** Link a study to a patient case (or unlink with null). Only the owning hospital may. */
export async function linkCase(
  db: DB,
  actor: Actor,
  id: string,
  caseId: string | null,
): Promise<StudySummary> {
  const study = await visibleStudyOr404(db, actor, id);
  if (study.hospital_id !== actor.hospitalId)
    throw forbidden('only the hospital that owns the study can link it to a case');
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('imaging_studies').set({ case_id: caseId }).where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'imaging.study.link_case',
      entityType: 'imaging_study',
      entityId: id,
      ip: actor.ip,
      detail: { caseId },
    });
  });
  return toStudySummary({ ...study, case_id: caseId });
}

// ---- annotations

const MAX_DATA = 64 * 1024;

function toAnnotation(r: ImagingAnnotationRow & { sop_uid: string; author_name: string }): Annotation {
  return {
    id: r.id,
    studyId: r.study_ref,
    sopInstanceUid: r.sop_uid,
    frame: r.frame,
    tool: r.tool as Annotation['tool'],
    data: JSON.parse(r.data) as Record<string, unknown>,
    authorId: r.author_id,
    authorName: r.author_name,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function annotationQuery(db: DB) {
  return db
    .selectFrom('imaging_annotations as a')
    .innerJoin('imaging_instances as i', 'i.id', 'a.instance_ref')
    .innerJoin('users as u', 'u.id', 'a.author_id')
    .selectAll('a')
    .select(['i.sop_uid', 'u.display_name as author_name']);
}

export async function listAnnotations(db: DB, actor: Actor, studyId: string): Promise<Annotation[]> {
  const study = await visibleStudyOr404(db, actor, studyId);
  const rows = await annotationQuery(db)
    .where('a.study_ref', '=', study.id)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
  return rows.map(toAnnotation);
}

function dataText(data: Record<string, unknown>): string {
  const s = JSON.stringify(data);
  if (s.length > MAX_DATA)
    throw badRequest(`annotation data is larger than ${MAX_DATA / 1024} KiB`, '/body/data');
  return s;
}

export async function createAnnotation(
  db: DB,
  actor: Actor,
  studyId: string,
  body: AnnotationCreate,
): Promise<Annotation> {
  const study = await visibleStudyOr404(db, actor, studyId, 'case:annotate');
  const inst = await db
    .selectFrom('imaging_instances')
    .select(['id', 'frames'])
    .where('study_ref', '=', study.id)
    .where('sop_uid', '=', body.sopInstanceUid)
    .executeTakeFirst();
  if (!inst) throw badRequest('the SOP Instance UID is not part of this study', '/body/sopInstanceUid');
  if (body.frame >= Math.max(1, inst.frames))
    throw badRequest(`frame ${body.frame} is beyond the instance's ${inst.frames} frame(s)`, '/body/frame');
  const id = crypto.randomUUID();
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('imaging_annotations')
      .values({
        id,
        study_ref: study.id,
        instance_ref: inst.id,
        frame: body.frame,
        tool: body.tool,
        data: dataText(body.data),
        author_id: actor.id,
        version: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await recordAudit(trx, {
      actor,
      action: 'imaging.annotation.create',
      entityType: 'imaging_annotation',
      entityId: id,
      ip: actor.ip,
      detail: { studyId: study.id, tool: body.tool },
    });
  });
  return toAnnotation(await annotationQuery(db).where('a.id', '=', id).executeTakeFirstOrThrow());
}

/** The annotation, if its study is visible; the author check is separate (others may read, only the author edits). */
async function annotationForEdit(db: DB, actor: Actor, id: string, version: number) {
  const row = await db.selectFrom('imaging_annotations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('annotation');
  await visibleStudyOr404(db, actor, row.study_ref, 'case:annotate').catch((e: unknown) => {
    throw e instanceof DomainError && e.code === 'forbidden' ? e : notFound('annotation');
  });
  if (row.author_id !== actor.id) throw forbidden('only the author can change or delete an annotation');
  if (row.version !== version)
    throw conflict(
      `the annotation was changed by its author meanwhile (now version ${row.version}); reload it`,
    );
  return row;
}

export async function updateAnnotation(
  db: DB,
  actor: Actor,
  id: string,
  body: AnnotationUpdate,
): Promise<Annotation> {
  await annotationForEdit(db, actor, id, body.version);
  const data = dataText(body.data);
  await db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('imaging_annotations')
      .set({ data, version: body.version + 1, updated_at: new Date() })
      .where('id', '=', id)
      .where('version', '=', body.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw conflict('the annotation was changed meanwhile; reload it');
    await recordAudit(trx, {
      actor,
      action: 'imaging.annotation.update',
      entityType: 'imaging_annotation',
      entityId: id,
      ip: actor.ip,
      detail: { version: body.version + 1 },
    });
  });
  return toAnnotation(await annotationQuery(db).where('a.id', '=', id).executeTakeFirstOrThrow());
}

export async function deleteAnnotation(db: DB, actor: Actor, id: string, version: number): Promise<void> {
  await annotationForEdit(db, actor, id, version);
  await db.transaction().execute(async (trx) => {
    const res = await trx
      .deleteFrom('imaging_annotations')
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) !== 1) throw conflict('the annotation was changed meanwhile; reload it');
    await recordAudit(trx, {
      actor,
      action: 'imaging.annotation.delete',
      entityType: 'imaging_annotation',
      entityId: id,
      ip: actor.ip,
    });
  });
}
