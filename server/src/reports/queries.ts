/** Report queries: `db | trx` first; every query of a report is scoped through its consultation's hospitals. */
import { sql } from 'kysely';
import type { Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { standingColumns, visibleCases } from '../access/policy';
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
