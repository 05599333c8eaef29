import { sql, type Insertable } from 'kysely';
import { PREPARED } from '../db/connect';
import type { Trx } from '../db/database';
import {
  AUDIT_LOCK_KEY,
  auditAppendCtes,
  auditLockedHead,
  type AuditAppend,
  type AuditLockedHead,
} from '../audit/service';
import type {
  ImagingInstanceTable,
  ImagingPatientTable,
  ImagingSeriesTable,
  ImagingStudyTable,
} from './tables';

/**
 * The SQL of group-committed ingest (ingest-batch.ts): every statement covers a whole batch of instances, so a
 * batch costs the same round trips whether it holds one instance or fifty. Each statement's text is the same for
 * every batch size (its rows arrive as ONE JSON parameter, read with jsonb_to_recordset), so each is a named
 * prepared statement (PREPARED): parsed and planned once per connection, one protocol exchange per run on PGlite.
 * A batch is two statements: the identity locks and the read after them, then the audit chain's lock (one call of
 * the database function imaging_lock_batch), and every patient, study, series, instance and audit row written at
 * once (writeIndex).
 */

/** Rows or values as one JSON parameter (`${json(rows)}::text::jsonb`). */
const json = (rows: unknown[]) => JSON.stringify(rows);

/**
 * A lock space of queries.ts lockIdentities: 1 study, 2 series, 3 SOP instance; 4 a patient record's key
 * (patientKey), so that two batches creating the same patient's record take turns: the second one's upsert then
 * sees the first one's committed row (READ COMMITTED: a statement does not see a row committed after it began,
 * and its ON CONFLICT DO NOTHING would return nothing for it).
 */
export type LockKey = [space: 1 | 2 | 3 | 4, uid: string];

/** The key of a patient record found by hospital + issuer + Patient ID (lock space 4; text without NUL). */
export const patientKey = (hospitalId: string, issuer: string, patientId: string) =>
  JSON.stringify([hospitalId, issuer, patientId]);

/**
 * Take the identity locks of a whole batch (the same transaction-scoped advisory locks as lockIdentities), in the
 * global order (space, hashtext(uid)), so two transactions never wait on each other in a cycle (a single-instance
 * lockIdentities follows the same order); then read who holds any of these study, series and SOP Instance UIDs
 * now (identity.ts judges with them) and which patient records have these hospital + issuer + Patient ID keys,
 * in a snapshot taken after the locks were granted; then, last (as every appender does, so no two transactions
 * wait on each other in a cycle), the audit chain's lock, its head and `auditN` reserved seq values. One round
 * trip. Under these locks no other transaction can add a row the batch's writes would meet, so the writes need
 * no ON CONFLICT: the ids read here are the truth.
 */
export async function lockAndReadHolders(
  trx: Trx,
  keys: LockKey[],
  uids: { studies: string[]; series: string[]; sops: string[] },
  patients: { hospital: string; issuer: string; patientId: string }[],
  auditN: number,
): Promise<{ holders: BatchHolders; audit: AuditLockedHead }> {
  const { rows } = await sql<{ h: { holders: BatchHolders; audit: AuditLockedHead } }>`${sql.raw(PREPARED)}
    select imaging_lock_batch(${json(keys.map(([s, u]) => ({ s, u })))}::text::jsonb,
      ${json(uids.studies)}::text::jsonb, ${json(uids.series)}::text::jsonb, ${json(uids.sops)}::text::jsonb,
      ${json(patients)}::text::jsonb, ${AUDIT_LOCK_KEY}::int, ${auditN}::int) as h`.execute(trx);
  const h = rows[0]!.h;
  return { holders: h.holders, audit: auditLockedHead(h.audit) };
}

export interface BatchHolders {
  studies: {
    id: string;
    study_uid: string;
    hospital_id: string;
    hospital_name: string;
    patient_ref: string;
    patient_id: string;
    issuer: string;
    patient_name: string;
  }[];
  series: { id: string; series_uid: string; study_uid: string; hospital_id: string }[];
  instances: { sop_uid: string; sha256: string; study_ref: string; study_uid: string; hospital_id: string }[];
  /** Patient records found by hospital + issuer + Patient ID. */
  patients: { id: string; hospital_id: string; issuer: string; patient_id: string }[];
}

export type PatientRow = Insertable<ImagingPatientTable> & { id: string };
export type StudyRow = Insertable<ImagingStudyTable> & { id: string };
export type SeriesRow = Insertable<ImagingSeriesTable> & { id: string };
export type InstanceRow = Insertable<ImagingInstanceTable> & { id: string };

/**
 * Write a batch's new patient, study and series rows, its instance rows and its audit rows with the chain's signed
 * head in ONE statement (data-modifying CTEs; the foreign keys are checked at its end, when all of them are
 * there; the audit part is the audit capability's own, auditAppendCtes). The caller holds the identity locks and
 * the chain's lock and read under them (lockAndReadHolders), so none of these rows can already exist: a unique
 * violation would mean a bug, and fails the batch rather than being skipped.
 */
export async function writeIndex(
  trx: Trx,
  rows: { patients: PatientRow[]; studies: StudyRow[]; series: SeriesRow[]; instances: InstanceRow[] },
  audit: AuditAppend,
): Promise<void> {
  const patients = rows.patients.map((r) => ({ ...r, issuer: r.issuer ?? '' }));
  await sql`${sql.raw(PREPARED)}
    with ${auditAppendCtes(audit)},
    pa as (
      insert into imaging_patients (id, hospital_id, patient_id, issuer, patient_name, birth_date, sex)
      select id, hospital_id, patient_id, issuer, patient_name, birth_date, sex
      from jsonb_to_recordset(${json(patients)}::text::jsonb)
        as v(id uuid, hospital_id uuid, patient_id text, issuer text, patient_name text, birth_date text, sex text)),
    st as (
      insert into imaging_studies (id, hospital_id, patient_ref, study_uid, study_date, study_time,
        accession_number, study_id, study_description, referring_physician, uploaded_by)
      select id, hospital_id, patient_ref, study_uid, study_date, study_time, accession_number, study_id,
        study_description, referring_physician, uploaded_by
      from jsonb_to_recordset(${json(rows.studies)}::text::jsonb) as v(id uuid, hospital_id uuid,
        patient_ref uuid, study_uid text, study_date text, study_time text, accession_number text, study_id text,
        study_description text, referring_physician text, uploaded_by uuid)),
    se as (
      insert into imaging_series (id, study_ref, series_uid, modality, series_number, series_description, body_part)
      select id, study_ref, series_uid, modality, series_number, series_description, body_part
      from jsonb_to_recordset(${json(rows.series)}::text::jsonb) as v(id uuid, study_ref uuid, series_uid text,
        modality text, series_number int, series_description text, body_part text))
    insert into imaging_instances (id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid,
      transfer_syntax_uid, instance_number, rows, columns, frames, bits_allocated, pixel_offset, frame_length,
      frame_spans, scan_version, sha256, size, uploaded_by)
    select id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid, transfer_syntax_uid, instance_number,
      rows, columns, frames, bits_allocated, pixel_offset, frame_length, frame_spans, scan_version, sha256, size,
      uploaded_by
    from jsonb_to_recordset(${json(rows.instances)}::text::jsonb) as v(id uuid, hospital_id uuid, study_ref uuid,
      series_ref uuid, sop_uid text, sop_class_uid text, transfer_syntax_uid text, instance_number int, rows int,
      columns int, frames int, bits_allocated int, pixel_offset bigint, frame_length bigint, frame_spans text,
      scan_version int, sha256 text, size bigint, uploaded_by uuid)`.execute(trx);
}
