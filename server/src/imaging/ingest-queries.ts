import { sql, type Insertable } from 'kysely';
import { PREPARED } from '../db/connect';
import type { Trx } from '../db/database';
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
 * The identity locks and the read after them are one call of a database function (imaging_lock_holders).
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
 * now (identity.ts judges with them), in a snapshot taken after the locks were granted. One round trip.
 */
export async function lockAndReadHolders(
  trx: Trx,
  keys: LockKey[],
  uids: { studies: string[]; series: string[]; sops: string[] },
): Promise<BatchHolders> {
  const { rows } = await sql<{ h: BatchHolders }>`${sql.raw(PREPARED)} select imaging_lock_holders(
    ${json(keys.map(([s, u]) => ({ s, u })))}::text::jsonb, ${json(uids.studies)}::text::jsonb,
    ${json(uids.series)}::text::jsonb, ${json(uids.sops)}::text::jsonb) as h`.execute(trx);
  return rows[0]!.h;
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
  series: { series_uid: string; study_uid: string; hospital_id: string }[];
  instances: { sop_uid: string; sha256: string; study_ref: string; study_uid: string; hospital_id: string }[];
}

type Keyed = { id: string; hospital_id: string; issuer: string; patient_id: string };

/**
 * New patient records, and the ids of the patients with a Patient ID among `keys` (new or already there), in ONE
 * statement. A record with an empty Patient ID is always new (it belongs to one study); an existing hospital +
 * issuer + Patient ID keeps its record. The insert's own rows come from its RETURNING; the statement's snapshot
 * does not see them, so the keyed read finds only records that were there before (none is counted twice).
 */
export async function upsertPatients(
  trx: Trx,
  rows: (Insertable<ImagingPatientTable> & { id: string })[],
  keys: { hospital: string; issuer: string; patientId: string }[],
): Promise<Keyed[]> {
  const values = rows.map((r) => ({
    id: r.id,
    hospital_id: r.hospital_id,
    patient_id: r.patient_id,
    issuer: r.issuer ?? '',
    patient_name: r.patient_name,
    birth_date: r.birth_date,
    sex: r.sex,
  }));
  const { rows: out } = await sql<Keyed>`${sql.raw(PREPARED)}
    with ins as (
      insert into imaging_patients (id, hospital_id, patient_id, issuer, patient_name, birth_date, sex)
      select v.id, v.hospital_id, v.patient_id, v.issuer, v.patient_name, v.birth_date, v.sex
      from jsonb_to_recordset(${json(values)}::text::jsonb)
        as v(id uuid, hospital_id uuid, patient_id text, issuer text, patient_name text, birth_date text, sex text)
      on conflict (hospital_id, issuer, patient_id) where patient_id <> '' do nothing
      returning id, hospital_id, issuer, patient_id)
    select id, hospital_id, issuer, patient_id from ins where patient_id <> ''
    union all
    select p.id, p.hospital_id, p.issuer, p.patient_id from imaging_patients p
    join jsonb_to_recordset(${json(keys)}::text::jsonb) as k(hospital uuid, issuer text, "patientId" text)
      on p.hospital_id = k.hospital and p.issuer = k.issuer and p.patient_id = k."patientId"`.execute(trx);
  return out;
}

type StudyRow = Insertable<ImagingStudyTable> & { id: string };

/**
 * New studies and the ids of all of them in ONE statement: the insert's own rows (a CTE) plus those already
 * there (the statement's snapshot does not see the CTE's rows, so none is counted twice).
 */
export async function upsertStudies(trx: Trx, rows: StudyRow[]) {
  const { rows: out } = await sql<{ id: string; hospital_id: string; study_uid: string }>`${sql.raw(PREPARED)}
    with v as (
      select * from jsonb_to_recordset(${json(rows)}::text::jsonb) as v(id uuid, hospital_id uuid,
        patient_ref uuid, study_uid text, study_date text, study_time text, accession_number text, study_id text,
        study_description text, referring_physician text, uploaded_by uuid)),
    ins as (
      insert into imaging_studies (id, hospital_id, patient_ref, study_uid, study_date, study_time,
        accession_number, study_id, study_description, referring_physician, uploaded_by)
      select id, hospital_id, patient_ref, study_uid, study_date, study_time, accession_number, study_id,
        study_description, referring_physician, uploaded_by from v
      on conflict (hospital_id, study_uid) do nothing
      returning id, hospital_id, study_uid)
    select id, hospital_id, study_uid from ins
    union all
    select s.id, s.hospital_id, s.study_uid from imaging_studies s
    join v on s.hospital_id = v.hospital_id and s.study_uid = v.study_uid`.execute(trx);
  return out;
}

type SeriesRow = Insertable<ImagingSeriesTable> & { id: string };

/** New series and the ids of all of them in ONE statement (as upsertStudies). */
export async function upsertSeries(trx: Trx, rows: SeriesRow[]) {
  const { rows: out } = await sql<{ id: string; study_ref: string; series_uid: string }>`${sql.raw(PREPARED)}
    with v as (
      select * from jsonb_to_recordset(${json(rows)}::text::jsonb) as v(id uuid, study_ref uuid, series_uid text,
        modality text, series_number int, series_description text, body_part text)),
    ins as (
      insert into imaging_series (id, study_ref, series_uid, modality, series_number, series_description, body_part)
      select id, study_ref, series_uid, modality, series_number, series_description, body_part from v
      on conflict (study_ref, series_uid) do nothing
      returning id, study_ref, series_uid)
    select id, study_ref, series_uid from ins
    union all
    select se.id, se.study_ref, se.series_uid from imaging_series se
    join v on se.study_ref = v.study_ref and se.series_uid = v.series_uid`.execute(trx);
  return out;
}

type InstanceRow = Insertable<ImagingInstanceTable> & { id: string };

/** Instance rows (one statement); returns the ids inserted (a row already there is skipped, never replaced). */
export async function insertInstances(trx: Trx, rows: InstanceRow[]): Promise<Set<string>> {
  const { rows: inserted } = await sql<{ id: string }>`${sql.raw(PREPARED)}
    insert into imaging_instances (id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid,
      transfer_syntax_uid, instance_number, rows, columns, frames, bits_allocated, pixel_offset, frame_length,
      frame_spans, scan_version, sha256, size, uploaded_by)
    select id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid, transfer_syntax_uid, instance_number,
      rows, columns, frames, bits_allocated, pixel_offset, frame_length, frame_spans, scan_version, sha256, size,
      uploaded_by
    from jsonb_to_recordset(${json(rows)}::text::jsonb) as v(id uuid, hospital_id uuid, study_ref uuid,
      series_ref uuid, sop_uid text, sop_class_uid text, transfer_syntax_uid text, instance_number int, rows int,
      columns int, frames int, bits_allocated int, pixel_offset bigint, frame_length bigint, frame_spans text,
      scan_version int, sha256 text, size bigint, uploaded_by uuid)
    on conflict (hospital_id, sop_uid) do nothing
    returning id`.execute(trx);
  return new Set(inserted.map((r) => r.id));
}
