/**
 * The FHIR API's resources, found through the access policy (queries.ts) and mapped by the shared mappers. Each
 * type answers `find(actor, query, ids?)`: a search, or a read when `ids` is given (absent = not visible).
 */
import type { Resource } from '@medplum/fhirtypes';
import { CONSULTATION_STATES, type ConsultationState } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { badRequest } from '../errors';
import { parsePayload } from '../reports/payload';
import * as q from './queries';
import {
  apiRef,
  condition,
  imagingStudy,
  organization,
  patient,
  SERVICE_REQUEST_STATUS,
  serviceRequest,
} from './mappers';
import { auditEvent, carePlan, diagnosticReport, provenance } from './mappers-report';
import { asks, countOf, dateRange, idOfReference, offsetOf, sortOf, tokens } from './search';

export type Query = Record<string, string | string[] | undefined>;
export interface Found {
  match: Resource[];
  include: Resource[];
  /** How many match in all (Bundle.total); `match` is one page of them. */
  total: number;
}
type Finder = (db: DB, actor: Actor, query: Query, base: string, ids?: string[]) => Promise<Found>;

const iso = (d: Date | string) => new Date(d).toISOString();
/** The filter and page of a search (a read: exactly `ids`). `_sort` by date where the type has a date. */
const filter = (query: Query, ids?: string[], sortable = true): q.Filter => ({
  ids: ids ?? tokens(query._id),
  patient: idOfReference(query.patient ?? query.subject, 'Patient', 'patient'),
  date: dateRange(query.date),
  count: ids ? ids.length : countOf(query._count),
  offset: ids ? 0 : offsetOf(query._offset),
  sort: ids ? 'desc' : sortOf(query._sort, sortable),
});

/** Patient resources of `ids`, through the same policy (for _include). */
async function patientsById(db: DB, actor: Actor, ids: string[]): Promise<Resource[]> {
  const uniq = [...new Set(ids)];
  if (!uniq.length) return [];
  const { rows } = await q.patients(db, actor, { ids: uniq, date: {}, count: uniq.length });
  return rows.map(toPatient);
}
const toPatient = (r: Awaited<ReturnType<typeof q.patients>>['rows'][number]) =>
  patient(
    {
      id: r.id,
      name: r.name,
      sex: r.sex,
      birthDate: r.birth_date,
      hospitalId: r.hospital_id,
      recordNumber: r.record_number,
    },
    apiRef,
  );
const withSubjects = async (
  db: DB,
  actor: Actor,
  query: Query,
  type: string,
  match: Resource[],
  ids: string[],
  total: number,
) => ({
  match,
  total,
  include:
    asks(query._include, `${type}:subject`) || asks(query._include, `${type}:patient`)
      ? await patientsById(db, actor, ids)
      : [],
});

const CASE_STATUS: Record<string, string[]> = { active: ['active', 'chronic'], resolved: ['resolved'] };
const statusValues = (query: Query, table: Record<string, string[]>): string[] | undefined => {
  const asked = tokens(query.status ?? query['clinical-status']);
  if (!asked) return undefined;
  return asked.flatMap((s) => table[s] ?? []);
};

const SR_STATES: Record<string, string[]> = {};
for (const s of CONSULTATION_STATES) (SR_STATES[SERVICE_REQUEST_STATUS[s]!] ??= []).push(s);

export const FINDERS: Record<string, Finder> = {
  async Patient(db, actor, query, _base, ids) {
    if (query.patient) throw badRequest('Patient has no patient parameter; use _id', '/query/patient');
    const { rows, total } = await q.patients(db, actor, filter(query, ids, false));
    return { match: rows.map(toPatient), include: [], total };
  },
  async Condition(db, actor, query, _base, ids) {
    const { rows, total } = await q.cases(db, actor, {
      ...filter(query, ids),
      statuses: statusValues(query, CASE_STATUS),
    });
    const match = rows.map((r) =>
      condition(
        {
          id: r.id,
          patientId: r.patient_id,
          diagnosis: r.diagnosis,
          icd10: r.icd10,
          status: r.status,
          createdAt: iso(r.created_at),
        },
        apiRef,
      ),
    );
    return withSubjects(
      db,
      actor,
      query,
      'Condition',
      match,
      rows.map((r) => r.patient_id),
      total,
    );
  },
  async ServiceRequest(db, actor, query, _base, ids) {
    const { rows, total } = await q.consultations(db, actor, {
      ...filter(query, ids),
      states: statusValues(query, SR_STATES),
    });
    const match = rows.map((r) =>
      serviceRequest(
        {
          id: r.id,
          type: r.type,
          urgency: r.urgency,
          state: r.state as ConsultationState,
          clinicalQuestion: r.clinical_question,
          submittedAt: r.submitted_at ? iso(r.submitted_at) : null,
          patientId: r.patient_id,
          caseId: r.case_id,
          requesterId: r.requester_id,
          requesterName: r.requester_name,
          targetHospitalId: r.target_hospital_id,
        },
        apiRef,
      ),
    );
    return withSubjects(
      db,
      actor,
      query,
      'ServiceRequest',
      match,
      rows.map((r) => r.patient_id),
      total,
    );
  },
  async ImagingStudy(db, actor, query, base, ids) {
    const { rows, total } = await q.studies(db, actor, filter(query, ids));
    const series = await q.seriesOf(
      db,
      rows.map((r) => r.id),
    );
    const match = rows.map((r) => {
      const own = series.filter((s) => s.study_ref === r.id);
      const d = r.study_date;
      return imagingStudy(
        {
          id: r.id,
          studyInstanceUid: r.study_uid,
          subject: r.case_patient_id
            ? { patientId: r.case_patient_id }
            : { dicomPatientId: r.dicom_patient_id, name: r.patient_name },
          started: /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : null,
          description: r.study_description || null,
          numberOfSeries: own.length,
          numberOfInstances: own.reduce((n, s) => n + s.instances, 0),
          series: own.map((s) => ({
            uid: s.series_uid,
            modality: s.modality,
            number: s.series_number,
            description: s.series_description,
            instances: s.instances,
          })),
          basedOn: r.consultation_ids ?? [],
          dicomweb: `${base}/dicomweb`,
        },
        apiRef,
      );
    });
    return withSubjects(
      db,
      actor,
      query,
      'ImagingStudy',
      match,
      rows.flatMap((r) => (r.case_patient_id ? [r.case_patient_id] : [])),
      total,
    );
  },
  async DiagnosticReport(db, actor, query, _base, ids) {
    const st = tokens(query.status);
    const amended = st
      ? st.includes('final') === st.includes('amended')
        ? undefined
        : st.includes('amended')
      : undefined;
    if (st && !st.some((s) => s === 'final' || s === 'amended')) return { match: [], include: [], total: 0 };
    const { rows, total } = await q.reports(db, actor, { ...filter(query, ids), amended });
    const facts = rows.map((r) => {
      const p = parsePayload(r);
      return {
        row: r,
        f: {
          reportId: r.id,
          version: r.version,
          status: r.status,
          imaging: r.type === 'remote_image_diagnosis',
          consultationId: r.consultation_id,
          patientId: r.patient_id,
          consultingHospitalId: r.target_hospital_id,
          signer: { id: p.signer.id, name: p.signer.name },
          signedAt: p.signedAt,
          content: p.content,
          studyIds: r.study_ids ?? [],
          reportNumber: r.report_number,
        },
      };
    });
    const found = await withSubjects(
      db,
      actor,
      query,
      'DiagnosticReport',
      facts.map((x) => diagnosticReport(x.f, apiRef)),
      rows.map((r) => r.patient_id),
      total,
    );
    if (asks(query._revinclude, 'Provenance:target'))
      found.include.push(...facts.map((x) => provenance(x.f, x.row.signature, apiRef)));
    return found;
  },
  async Provenance(db, actor, query, _base, ids) {
    // Provenance/<reportId>-v<version>: the signature of a report version the actor may read.
    const reportIds = (ids ?? tokens(query._id) ?? []).map((i) => i.replace(/-v\d+$/, ''));
    const target = idOfReference(query.target, 'DiagnosticReport', 'target');
    const wanted = target ? [target] : reportIds.length ? reportIds : undefined;
    const { rows, total } = await q.reports(db, actor, { ...filter(query, ids, false), ids: wanted });
    const match = rows
      .map((r) => {
        const p = parsePayload(r);
        return provenance(
          {
            reportId: r.id,
            version: r.version,
            signer: { id: p.signer.id, name: p.signer.name },
            signedAt: p.signedAt,
            consultingHospitalId: r.target_hospital_id,
          },
          r.signature,
          apiRef,
        );
      })
      .filter((p) => !ids || ids.includes(p.id!));
    return { match, include: [], total };
  },
  async CarePlan(db, actor, query, _base, ids) {
    const { rows, total } = await q.cases(db, actor, {
      ...filter(query, ids),
      statuses: statusValues(query, { active: ['active', 'chronic'], completed: ['resolved'] }),
    });
    const fus = await q.followUps(
      db,
      rows.map((r) => r.id),
    );
    const match = rows.map((r) =>
      carePlan(
        {
          caseId: r.id,
          patientId: r.patient_id,
          status: r.status,
          treatmentPlan: r.treatment_plan,
          diagnosis: r.diagnosis,
          createdAt: iso(r.created_at),
          followUps: fus
            .filter((f) => f.case_id === r.id)
            .map((f) => ({ id: f.id, date: f.follow_up_date, notes: f.notes, nextDueDate: f.next_due_date })),
        },
        apiRef,
      ),
    );
    return withSubjects(
      db,
      actor,
      query,
      'CarePlan',
      match,
      rows.map((r) => r.patient_id),
      total,
    );
  },
  async Organization(db, _actor, query, _base, ids) {
    const { rows, total } = await q.hospitals(db, { ...filter(query, ids, false), patient: undefined });
    return {
      match: rows.map((h) =>
        organization({ id: h.id, nameZh: h.name_zh, nameEn: h.name_en, region: h.region }),
      ),
      include: [],
      total,
    };
  },
  async AuditEvent(db, _actor, query, _base, ids) {
    const { rows, total } = await q.auditEvents(db, { ...filter(query, ids), patient: undefined });
    const match = rows.map((r) =>
      auditEvent({
        seq: r.seq,
        at: iso(r.at),
        action: r.action,
        outcome: r.outcome,
        actorId: r.actor_id,
        actorRole: r.actor_role,
        hospitalId: r.hospital_id,
        entityType: r.entity_type,
        entityId: r.entity_id,
        ip: r.ip,
      }),
    );
    return { match, include: [], total };
  },
};

/** Search parameters per type (besides _id, _count, _include, _revinclude), for the CapabilityStatement. */
export const SEARCH_PARAMS: Record<string, { name: string; type: 'reference' | 'token' | 'date' }[]> = {
  Patient: [],
  Condition: [
    { name: 'patient', type: 'reference' },
    { name: 'clinical-status', type: 'token' },
    { name: 'date', type: 'date' },
  ],
  ServiceRequest: [
    { name: 'patient', type: 'reference' },
    { name: 'status', type: 'token' },
    { name: 'date', type: 'date' },
  ],
  ImagingStudy: [
    { name: 'patient', type: 'reference' },
    { name: 'date', type: 'date' },
  ],
  DiagnosticReport: [
    { name: 'patient', type: 'reference' },
    { name: 'status', type: 'token' },
    { name: 'date', type: 'date' },
  ],
  Provenance: [{ name: 'target', type: 'reference' }],
  CarePlan: [
    { name: 'patient', type: 'reference' },
    { name: 'status', type: 'token' },
    { name: 'date', type: 'date' },
  ],
  Organization: [],
  AuditEvent: [{ name: 'date', type: 'date' }],
};
