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
 * batch costs the same round trips whether it holds one instance or fifty: two, one call of a database function
 * each (the locks and the read after them; then every row written). Each statement's text is the same for every
 * batch size (its rows arrive as ONE JSON parameter per kind, read with jsonb_to_recordset), so each is a named
 * prepared statement (PREPARED): parsed and planned once per connection, one protocol exchange per run on PGlite.
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

/** A new patient record (a batch's; ingest-batch.ts decides who gets one). */
export type PatientRow = Insertable<ImagingPatientTable> & { id: string };
/** A study to insert unless there: its patient by hospital + issuer + Patient ID when it has one, else patient_ref. */
export type StudyRow = Omit<Insertable<ImagingStudyTable>, 'patient_ref'> & {
  id: string;
  patient_ref: string | null;
  patient_id: string;
  issuer: string;
};
/** A series to insert unless there, under its study's hospital + Study Instance UID. */
export type SeriesRow = Omit<Insertable<ImagingSeriesTable>, 'study_ref'> & {
  id: string;
  hospital_id: string;
  study_uid: string;
};
/** An instance to insert unless there, under its study's and series' UIDs. */
export type InstanceRow = Omit<Insertable<ImagingInstanceTable>, 'study_ref' | 'series_ref'> & {
  id: string;
  study_uid: string;
  series_uid: string;
};

/**
 * Write a batch's new patient records, studies, series and instances in ONE round trip (the database function
 * imaging_write_batch, migration 2026_12_10_0100_ingest_write): each kind in one statement, the references between
 * them resolved by natural keys. Rows already there are kept, never replaced. Returns the instances inserted
 * (id → their study's id); one already there is not among them.
 */
export async function writeBatch(
  trx: Trx,
  rows: { patients: PatientRow[]; studies: StudyRow[]; series: SeriesRow[]; instances: InstanceRow[] },
): Promise<Map<string, string>> {
  const patients = rows.patients.map((r) => ({ ...r, issuer: r.issuer ?? '' }));
  const { rows: out } = await sql<{ w: { id: string; study_ref: string }[] }>`${sql.raw(PREPARED)}
    select imaging_write_batch(${json(patients)}::text::jsonb, ${json(rows.studies)}::text::jsonb,
      ${json(rows.series)}::text::jsonb, ${json(rows.instances)}::text::jsonb) as w`.execute(trx);
  return new Map(out[0]!.w.map((r) => [r.id, r.study_ref]));
}
