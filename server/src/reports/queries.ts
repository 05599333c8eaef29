/** Report queries: `db | trx` first; every query of a report is scoped through its consultation's hospitals. */
import { sql, type Insertable } from 'kysely';
import type { ReportListQuery } from '@consult/shared';
import type { Database, Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { standingColumns, visibleCases, visibleReports } from '../access/policy';
import type { ReportRow, ReportSignedPdfTable, ReportVersionRow } from './tables';

/** The consultation facts the report rules need. */
export interface ConsultationFacts {
  id: string;
  state: string;
  type: string;
  assigned_to: string | null;
  requester_id: string;
  requesting_hospital_id: string;
  target_hospital_id: string;
  patient_id: string;
  case_id: string;
}

const consultationCols = [
  'c.id',
  'c.state',
  'c.type',
  'c.assigned_to',
  'c.requester_id',
  'c.requesting_hospital_id',
  'c.target_hospital_id',
  'c.patient_id',
  'c.case_id',
] as const;

/**
 * A consultation whose report the actor may read (the access policy: its care team), with the actor's relations to
 * it (`standingColumns`, read with `relationsOf`) in the same query. Anything else (and actors without a hospital)
 * reads as absent, so the route answers 404.
 */
export async function findVisibleConsultation(
  db: Executor,
  actor: Actor,
  consultationId: string,
  lock = false,
): Promise<(ConsultationFacts & Record<`rel_${string}`, unknown>) | undefined> {
  let q = db
    .selectFrom('consultations as c')
    .select(consultationCols)
    .select(standingColumns(actor))
    .where('c.id', '=', consultationId)
    .where(visibleCases(actor, 'case:read-report'));
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export const findReportByConsultation = (db: Executor, consultationId: string) =>
  db.selectFrom('reports').selectAll().where('consultation_id', '=', consultationId).executeTakeFirst();

export const findReport = (db: Executor, id: string) =>
  db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();

export const lockReport = (trx: Trx, id: string) =>
  trx.selectFrom('reports').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const listVersions = (db: Executor, reportId: string): Promise<ReportVersionRow[]> =>
  db.selectFrom('report_versions').selectAll().where('report_id', '=', reportId).orderBy('version').execute();

/** The signing author's name (printed in the signed payload) and password hash (the deployment-key path). */
export const findSigningUser = (db: Executor, id: string) =>
  db
    .selectFrom('users')
    .select(['display_name', 'password_hash'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

export async function userNames(db: Executor, ids: (string | null)[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter((x): x is string => !!x))];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', 'display_name'])
    .where('id', 'in', unique)
    .execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

export async function insertReport(
  trx: Trx,
  row: Pick<ReportRow, 'id' | 'consultation_id' | 'author_id'> & { draft_content: string },
) {
  return trx
    .insertInto('reports')
    .values({ ...row, status: 'draft', draft_updated_by: row.author_id, draft_revision: 0 })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Save a draft only if nobody saved since `baseRevision` (compare-and-set). */
export async function saveDraftIfRevision(
  trx: Trx,
  id: string,
  baseRevision: number,
  content: string,
  userId: string,
) {
  return trx
    .updateTable('reports')
    .set({
      draft_content: content,
      draft_revision: sql<number>`draft_revision + 1`,
      draft_updated_at: new Date(),
      draft_updated_by: userId,
    })
    .where('id', '=', id)
    .where('draft_revision', '=', baseRevision)
    .returningAll()
    .executeTakeFirst();
}

/** The report signed: the version it names becomes current (`changes` may add its first number and time). */
export function markSigned(
  trx: Trx,
  id: string,
  version: number,
  changes: Pick<ReportRow, 'first_signed_at'> & { report_number?: string },
) {
  return trx
    .updateTable('reports')
    .set({
      status: 'signed',
      draft_content: null,
      amendment_reason: null,
      current_version: version,
      ...changes,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An amendment opens: the draft starts from the latest signed content. */
export function openAmendment(
  trx: Trx,
  id: string,
  a: { content: string; reason: string; revision: number; userId: string },
) {
  return trx
    .updateTable('reports')
    .set({
      status: 'amending',
      draft_content: a.content,
      amendment_reason: a.reason,
      draft_revision: a.revision,
      draft_updated_at: new Date(),
      draft_updated_by: a.userId,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function markAcknowledged(trx: Trx, id: string, userId: string, nextFollowUpDate: string | null) {
  return trx
    .updateTable('reports')
    .set({
      status: 'acknowledged',
      acknowledged_at: new Date(),
      acknowledged_by: userId,
      next_follow_up_date: nextFollowUpDate,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertVersion(trx: Trx, row: Insertable<Database['report_versions']>): Promise<void> {
  await trx.insertInto('report_versions').values(row).execute();
}

/**
 * "My reports": the reports the access policy shows the actor, with their current version; what needs the
 * viewer's action first (to acknowledge for a county doctor, to finish for a consultant), then newest.
 */
export function reportList(db: Executor, actor: Actor, query: ReportListQuery) {
  let q = db
    .selectFrom('reports as r')
    .innerJoin('consultations as c', 'c.id', 'r.consultation_id')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('hospitals as h', 'h.id', 'c.requesting_hospital_id')
    .innerJoin('users as a', 'a.id', 'r.author_id')
    .leftJoin('report_versions as v', (j) =>
      j.onRef('v.report_id', '=', 'r.id').onRef('v.version', '=', 'r.current_version'),
    )
    .select([
      'r.id',
      'r.consultation_id',
      'r.status',
      'r.current_version',
      'r.draft_updated_at',
      'r.acknowledged_at',
      'a.display_name as author_name',
      'p.name as patient_name',
      'c.type',
      'c.urgency',
      'h.name_zh',
      'h.name_en',
      'v.payload',
      'v.signed_at',
    ]);
  q = q.where(visibleReports(actor));
  if (query.status) q = q.where('r.status', '=', query.status);
  const first =
    actor.role === 'county_doctor'
      ? sql<number>`case when r.status = 'signed' then 0 else 1 end`
      : sql<number>`case when r.status in ('draft', 'amending') then 0 else 1 end`;
  return q
    .orderBy(first)
    .orderBy('r.draft_updated_at', 'desc')
    .limit(query.limit ?? 100)
    .execute();
}

/** Ids of the signed reports (or of `only`, if signed), oldest first: what `reports:verify` checks. */
export async function signedReportIds(db: Executor, only?: string): Promise<string[]> {
  let q = db.selectFrom('reports').select('id').where('current_version', '>', 0);
  if (only) q = q.where('id', '=', only);
  return (await q.orderBy('created_at').execute()).map((r) => r.id);
}

/** The patient of a consultation with the requesting hospital's names, for the report header. */
export function patientHeaderRow(db: Executor, patientId: string) {
  return db
    .selectFrom('patients as p')
    .innerJoin('hospitals as h', 'h.id', 'p.hospital_id')
    .select([
      'p.name',
      'p.sex',
      sql<string>`p.birth_date::text`.as('birth_date'),
      'p.national_id',
      'p.record_number',
      'p.poverty_registered',
      'h.name_zh',
      'h.name_en',
    ])
    .where('p.id', '=', patientId)
    .executeTakeFirstOrThrow();
}

/** The versions of the annotations key images name (their marks are drawn in the PDF), in id order. */
export const annotationVersions = (db: Executor, ids: string[]) =>
  ids.length
    ? db
        .selectFrom('imaging_annotations')
        .select(['id', 'version'])
        .where('id', 'in', ids)
        .orderBy('id')
        .execute()
    : Promise.resolve([]);

/** The patient identity a signature names: id, name and national ID (hashed by the caller). */
export const patientIdentity = (db: Executor, patientId: string) =>
  db
    .selectFrom('patients')
    .select(['id', 'name', 'national_id'])
    .where('id', '=', patientId)
    .executeTakeFirstOrThrow();

export const signatureLog = (db: Executor, reportId: string) =>
  db
    .selectFrom('report_signature_log')
    .select(['version', 'signature_sha256'])
    .where('report_id', '=', reportId)
    .orderBy('version')
    .execute();

export const appendSignatureLog = (trx: Trx, reportId: string, version: number, signatureSha256: string) =>
  trx
    .insertInto('report_signature_log')
    .values({ report_id: reportId, version, signature_sha256: signatureSha256 })
    .execute();

/** The consultation's current patient and hospitals, for verification (no access scoping: callers checked). */
export const consultationIdentity = (db: Executor, consultationId: string) =>
  db
    .selectFrom('consultations')
    .select(['id', 'patient_id', 'requesting_hospital_id', 'target_hospital_id'])
    .where('id', '=', consultationId)
    .executeTakeFirst();

/** The PDF of a version signed with the doctor's own key, in one language (signing transaction). */
export const insertSignedPdf = (trx: Trx, row: Omit<ReportSignedPdfTable, 'created_at'>) =>
  trx.insertInto('report_signed_pdfs').values(row).execute();

export const findSignedPdf = (db: Executor, reportId: string, version: number, lang: string) =>
  db
    .selectFrom('report_signed_pdfs')
    .selectAll()
    .where('report_id', '=', reportId)
    .where('version', '=', version)
    .where('lang', '=', lang as 'zh-CN' | 'en')
    .executeTakeFirst();

/** The key a version was signed with: its algorithm (null: the deployment key) and certificate. */
export const versionKey = (db: Executor, reportId: string, version: number) =>
  db
    .selectFrom('report_versions')
    .select(['algorithm', 'certificate_pem'])
    .where('report_id', '=', reportId)
    .where('version', '=', version)
    .executeTakeFirst();
