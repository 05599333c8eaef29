/**
 * The SQL of the FHIR API. Every patient-data query is scoped by the one access policy's WHERE builders
 * (visiblePatients, visibleCases, visibleStudies, visibleReports), for reads and searches alike.
 */
import { sql } from 'kysely';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleCases, visiblePatients, visibleReports, visibleStudies } from '../access/policy';
import type { DateRange, SortOrder } from './search';

export interface Filter {
  ids?: string[];
  patient?: string;
  date: DateRange;
  /** Page: at most `count` matches after skipping `offset`, ordered by date (`sort`, newest first by default). */
  count: number;
  offset?: number;
  sort?: SortOrder;
}

/** One page of matches and how many match in all. */
export interface Page<R> {
  rows: R[];
  total: number;
}

/** Every match carries the number of all matches (a window count over the same WHERE). */
const total = sql<number>`(count(*) over ())::int`.as('total');

/**
 * One page: `run(limit, offset)` is the search ordered and cut; the total comes from the page's rows, or — when the
 * page is empty (`_count=0`, or past the end) — from a one-row look at the first page.
 */
async function paged<R extends { total: number }>(
  f: Filter,
  run: (limit: number, offset: number) => Promise<R[]>,
): Promise<Page<R>> {
  const offset = f.offset ?? 0;
  const rows = await run(f.count, offset);
  if (rows.length) return { rows, total: Number(rows[0]!.total) };
  if (offset === 0 && f.count > 0) return { rows, total: 0 };
  const first = await run(1, 0);
  return { rows, total: first.length ? Number(first[0]!.total) : 0 };
}

export function patients(db: DB, actor: Actor, f: Filter) {
  let q = db
    .selectFrom('patients as p')
    .select([
      'p.id',
      'p.name',
      'p.sex',
      'p.hospital_id',
      'p.record_number',
      sql<string>`p.birth_date::text`.as('birth_date'),
      total,
    ])
    .where(visiblePatients(actor));
  if (f.ids) q = q.where('p.id', 'in', f.ids);
  return paged(f, (limit, offset) => q.orderBy('p.id').limit(limit).offset(offset).execute());
}

export function cases(db: DB, actor: Actor, f: Filter & { statuses?: string[] }) {
  let q = db
    .selectFrom('patient_cases as pc')
    .innerJoin('patients as p', 'p.id', 'pc.patient_id')
    .select([
      'pc.id',
      'pc.patient_id',
      'pc.diagnosis',
      'pc.icd10',
      'pc.status',
      'pc.treatment_plan',
      'pc.created_at',
      total,
    ])
    .where(visiblePatients(actor));
  if (f.ids) q = q.where('pc.id', 'in', f.ids);
  if (f.patient) q = q.where('pc.patient_id', '=', f.patient);
  if (f.statuses) q = q.where('pc.status', 'in', f.statuses as never[]);
  if (f.date.from) q = q.where('pc.created_at', '>=', f.date.from);
  if (f.date.to) q = q.where('pc.created_at', '<', f.date.to);
  return paged(f, (limit, offset) =>
    q
      .orderBy('pc.created_at', f.sort ?? 'desc')
      .orderBy('pc.id')
      .limit(limit)
      .offset(offset)
      .execute(),
  );
}

export function followUps(db: DB, caseIds: string[]) {
  if (!caseIds.length) return Promise.resolve([]);
  return db
    .selectFrom('case_follow_ups')
    .select([
      'id',
      'case_id',
      'notes',
      sql<string>`follow_up_date::text`.as('follow_up_date'),
      sql<string | null>`next_due_date::text`.as('next_due_date'),
    ])
    .where('case_id', 'in', caseIds)
    .orderBy('follow_up_date')
    .execute();
}

export function consultations(db: DB, actor: Actor, f: Filter & { states?: string[] }) {
  let q = db
    .selectFrom('consultations as c')
    .innerJoin('users as u', 'u.id', 'c.requester_id')
    .select([
      'c.id',
      'c.type',
      'c.urgency',
      'c.state',
      'c.clinical_question',
      'c.submitted_at',
      'c.created_at',
      'c.patient_id',
      'c.case_id',
      'c.requester_id',
      'u.display_name as requester_name',
      'c.target_hospital_id',
      total,
    ])
    .where(visibleCases(actor));
  if (f.ids) q = q.where('c.id', 'in', f.ids);
  if (f.patient) q = q.where('c.patient_id', '=', f.patient);
  if (f.states) q = q.where('c.state', 'in', f.states as never[]);
  if (f.date.from) q = q.where('c.created_at', '>=', f.date.from);
  if (f.date.to) q = q.where('c.created_at', '<', f.date.to);
  return paged(f, (limit, offset) =>
    q
      .orderBy('c.created_at', f.sort ?? 'desc')
      .orderBy('c.id')
      .limit(limit)
      .offset(offset)
      .execute(),
  );
}

const dicomDate = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');

export function studies(db: DB, actor: Actor, f: Filter) {
  let q = db
    .selectFrom('imaging_studies')
    .innerJoin('imaging_patients as ip', 'ip.id', 'imaging_studies.patient_ref')
    .select([
      'imaging_studies.id',
      'imaging_studies.study_uid',
      'imaging_studies.study_date',
      'imaging_studies.study_description',
      'imaging_studies.hospital_id',
      'ip.patient_id as dicom_patient_id',
      'ip.patient_name',
      // The platform patient of a case this study is linked to (of the study's own hospital), if any.
      sql<
        string | null
      >`(select c.patient_id from consultation_studies cs join consultations c on c.id = cs.consultation_id
        where cs.study_instance_uid = imaging_studies.study_uid and c.requesting_hospital_id = imaging_studies.hospital_id
        order by c.created_at limit 1)`.as('case_patient_id'),
      sql<
        string[] | null
      >`(select array_agg(c.id::text) from consultation_studies cs join consultations c on c.id = cs.consultation_id
        where cs.study_instance_uid = imaging_studies.study_uid and c.requesting_hospital_id = imaging_studies.hospital_id)`.as(
        'consultation_ids',
      ),
      total,
    ])
    .where(visibleStudies(actor));
  if (f.ids) q = q.where('imaging_studies.id', 'in', f.ids);
  if (f.patient)
    q = q.where(
      sql<boolean>`exists (select 1 from consultation_studies cs join consultations c on c.id = cs.consultation_id
        where cs.study_instance_uid = imaging_studies.study_uid and c.requesting_hospital_id = imaging_studies.hospital_id
        and c.patient_id = ${f.patient})`,
    );
  if (f.date.from) q = q.where('imaging_studies.study_date', '>=', dicomDate(f.date.from));
  if (f.date.to) q = q.where('imaging_studies.study_date', '<', dicomDate(f.date.to));
  return paged(f, (limit, offset) =>
    q
      .orderBy('imaging_studies.study_date', f.sort ?? 'desc')
      .orderBy('imaging_studies.id')
      .limit(limit)
      .offset(offset)
      .execute(),
  );
}

export function seriesOf(db: DB, studyIds: string[]) {
  if (!studyIds.length) return Promise.resolve([]);
  return db
    .selectFrom('imaging_series as s')
    .select([
      's.study_ref',
      's.series_uid',
      's.modality',
      's.series_number',
      's.series_description',
      sql<number>`(select count(*) from imaging_instances i where i.series_ref = s.id)::int`.as('instances'),
    ])
    .where('s.study_ref', 'in', studyIds)
    .orderBy('s.series_number')
    .execute();
}

/** Signed reports (their current version) the actor may read. Drafts are not FHIR resources here. */
export function reports(db: DB, actor: Actor, f: Filter & { amended?: boolean }) {
  let q = db
    .selectFrom('reports as r')
    .innerJoin('consultations as c', 'c.id', 'r.consultation_id')
    .innerJoin('report_versions as rv', (j) =>
      j.onRef('rv.report_id', '=', 'r.id').onRef('rv.version', '=', 'r.current_version'),
    )
    .select([
      'r.id',
      'r.status',
      'r.report_number',
      'c.id as consultation_id',
      'c.type',
      'c.patient_id',
      'c.requesting_hospital_id',
      'c.target_hospital_id',
      'rv.version',
      'rv.payload',
      'rv.signature',
      'rv.signed_at',
      sql<string[] | null>`(select array_agg(s.id::text) from consultation_studies cs join imaging_studies s
        on s.study_uid = cs.study_instance_uid and s.hospital_id = c.requesting_hospital_id
        where cs.consultation_id = c.id)`.as('study_ids'),
      total,
    ])
    .where(visibleReports(actor))
    .where('r.current_version', '>', 0);
  if (f.ids) q = q.where('r.id', 'in', f.ids);
  if (f.patient) q = q.where('c.patient_id', '=', f.patient);
  if (f.amended !== undefined) q = q.where('r.current_version', f.amended ? '>' : '=', 1);
  if (f.date.from) q = q.where('rv.signed_at', '>=', f.date.from);
  if (f.date.to) q = q.where('rv.signed_at', '<', f.date.to);
  return paged(f, (limit, offset) =>
    q
      .orderBy('rv.signed_at', f.sort ?? 'desc')
      .orderBy('r.id')
      .limit(limit)
      .offset(offset)
      .execute(),
  );
}

export function hospitals(db: DB, f: Filter) {
  let q = db.selectFrom('hospitals').select(['id', 'name_zh', 'name_en', 'region', total]);
  if (f.ids) q = q.where('id', 'in', f.ids);
  return paged(f, (limit, offset) =>
    q.orderBy('name_en').orderBy('id').limit(limit).offset(offset).execute(),
  );
}

/** The audit trail (sys_admin only; the route's guard decides). */
export function auditEvents(db: DB, f: Filter) {
  let q = db.selectFrom('audit_events').selectAll().select(total);
  if (f.ids) q = q.where('seq', 'in', f.ids.map(Number).filter(Number.isSafeInteger));
  if (f.date.from) q = q.where('at', '>=', f.date.from);
  if (f.date.to) q = q.where('at', '<', f.date.to);
  return paged(f, (limit, offset) =>
    q
      .orderBy('seq', f.sort ?? 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
  );
}
