import type { CaseAction, StudyDetail, StudyListQuery, StudySummary } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { forbidden, notFound } from '../errors';
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
 * Summaries of the studies with these UIDs that the actor may view (the access policy), by UID; when a UID is
 * held at several hospitals, `preferHospitalId`'s copy wins. For a case's links (its "Open images").
 */
export async function studiesByUid(
  db: Executor,
  actor: Actor,
  uids: string[],
  preferHospitalId: string,
): Promise<Map<string, StudySummary>> {
  if (!uids.length) return new Map();
  const rows = await q.searchStudies(db, actor, { studyUids: uids }, uids.length * 4, 0);
  const out = new Map<string, StudySummary>();
  for (const r of rows) {
    const held = out.get(r.study_uid);
    if (!held || (held.hospitalId !== preferHospitalId && r.hospital_id === preferHospitalId))
      out.set(r.study_uid, toStudySummary(r));
  }
  return out;
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
    await q.setStudyCase(trx, id, caseId);
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
