import { sql, type Insertable } from 'kysely';
import type { Trx } from '../db/database';
import type {
  ImagingInstanceTable,
  ImagingPatientTable,
  ImagingSeriesTable,
  ImagingStudyTable,
} from './tables';

/**
 * The SQL of group-committed ingest (ingest-batch.ts): every statement covers a whole batch of instances, so a
 * batch costs the same dozen round trips whether it holds one instance or fifty.
 */

/** A lock space of queries.ts lockIdentities: 1 study, 2 series, 3 SOP instance. */
export type LockKey = [space: 1 | 2 | 3, uid: string];

/**
 * Take the identity locks of a whole batch (the same transaction-scoped advisory locks as lockIdentities) in ONE
 * statement, in the global order (space, hashtext(uid)), so two transactions never wait on each other in a cycle;
 * a single-instance lockIdentities (study, series, instance) follows the same order. PostgreSQL evaluates a
 * volatile output expression after the ORDER BY sort, so the locks are taken in that order.
 */
export async function lockIdentityKeys(trx: Trx, keys: LockKey[]): Promise<void> {
  if (!keys.length) return;
  const values = sql.join(keys.map(([s, u]) => sql`(${s}::int, ${u}::text)`));
  await sql`select pg_advisory_xact_lock(k.s, k.h) from (select distinct v.s, hashtext(v.u) as h from (values ${values}) as v(s, u)) k order by k.s, k.h`.execute(
    trx,
  );
}

/** Who holds any of these study, series and SOP Instance UIDs now (identity.ts judges with them). */
export async function holdersOf(trx: Trx, uids: { studies: string[]; series: string[]; sops: string[] }) {
  const studies = await trx
    .selectFrom('imaging_studies as s')
    .innerJoin('imaging_patients as p', 'p.id', 's.patient_ref')
    .innerJoin('hospitals as h', 'h.id', 's.hospital_id')
    .select([
      's.id',
      's.study_uid',
      's.hospital_id',
      'h.name_en as hospital_name',
      'p.id as patient_ref',
      'p.patient_id',
      'p.issuer',
      'p.patient_name',
    ])
    .where('s.study_uid', 'in', uids.studies)
    .execute();
  const series = await trx
    .selectFrom('imaging_series as se')
    .innerJoin('imaging_studies as s', 's.id', 'se.study_ref')
    .select(['se.series_uid', 's.study_uid', 's.hospital_id'])
    .where('se.series_uid', 'in', uids.series)
    .execute();
  const instances = await trx
    .selectFrom('imaging_instances as i')
    .innerJoin('imaging_studies as s', 's.id', 'i.study_ref')
    .select(['i.sop_uid', 'i.sha256', 'i.study_ref', 's.study_uid', 's.hospital_id'])
    .where('i.sop_uid', 'in', uids.sops)
    .execute();
  return { studies, series, instances };
}
export type BatchHolders = Awaited<ReturnType<typeof holdersOf>>;

/** New patient records (one statement); an existing hospital + issuer + Patient ID keeps its record. */
export async function insertPatients(trx: Trx, rows: Insertable<ImagingPatientTable>[]): Promise<void> {
  if (!rows.length) return;
  await trx
    .insertInto('imaging_patients')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['hospital_id', 'issuer', 'patient_id']).where('patient_id', '<>', '').doNothing(),
    )
    .execute();
}

/** Patient record ids by hospital + issuer + Patient ID (non-empty IDs). */
export function patientsByKey(trx: Trx, keys: { hospital: string; issuer: string; patientId: string }[]) {
  return trx
    .selectFrom('imaging_patients')
    .select(['id', 'hospital_id', 'issuer', 'patient_id'])
    .where((eb) =>
      eb(
        eb.refTuple('hospital_id', 'issuer', 'patient_id'),
        'in',
        keys.map((k) => eb.tuple(k.hospital, k.issuer, k.patientId)),
      ),
    )
    .execute();
}

/** New studies (one statement); a study already there is left as it is. Returns every one's id. */
export async function upsertStudies(trx: Trx, rows: Insertable<ImagingStudyTable>[]) {
  await trx
    .insertInto('imaging_studies')
    .values(rows)
    .onConflict((oc) => oc.columns(['hospital_id', 'study_uid']).doNothing())
    .execute();
  return trx
    .selectFrom('imaging_studies')
    .select(['id', 'hospital_id', 'study_uid'])
    .where((eb) =>
      eb(
        eb.refTuple('hospital_id', 'study_uid'),
        'in',
        rows.map((r) => eb.tuple(r.hospital_id, r.study_uid)),
      ),
    )
    .execute();
}

/** New series (one statement); a series already there is left as it is. Returns every one's id. */
export async function upsertSeries(trx: Trx, rows: Insertable<ImagingSeriesTable>[]) {
  await trx
    .insertInto('imaging_series')
    .values(rows)
    .onConflict((oc) => oc.columns(['study_ref', 'series_uid']).doNothing())
    .execute();
  return trx
    .selectFrom('imaging_series')
    .select(['id', 'study_ref', 'series_uid'])
    .where((eb) =>
      eb(
        eb.refTuple('study_ref', 'series_uid'),
        'in',
        rows.map((r) => eb.tuple(r.study_ref, r.series_uid)),
      ),
    )
    .execute();
}

/** Instance rows (one statement); returns the ids inserted (a row already there is skipped, never replaced). */
export async function insertInstances(
  trx: Trx,
  rows: Insertable<ImagingInstanceTable>[],
): Promise<Set<string>> {
  const inserted = await trx
    .insertInto('imaging_instances')
    .values(rows)
    .onConflict((oc) => oc.columns(['hospital_id', 'sop_uid']).doNothing())
    .returning('id')
    .execute();
  return new Set(inserted.map((r) => r.id));
}
