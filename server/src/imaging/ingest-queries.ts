import { sql, type Insertable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
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

/**
 * Who holds any of these study, series and SOP Instance UIDs now (identity.ts judges with them): three lists in
 * ONE statement.
 */
export async function holdersOf(trx: Trx, uids: { studies: string[]; series: string[]; sops: string[] }) {
  const row = await trx
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb
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
          .where('s.study_uid', 'in', uids.studies),
      ).as('studies'),
      jsonArrayFrom(
        eb
          .selectFrom('imaging_series as se')
          .innerJoin('imaging_studies as s', 's.id', 'se.study_ref')
          .select(['se.series_uid', 's.study_uid', 's.hospital_id'])
          .where('se.series_uid', 'in', uids.series),
      ).as('series'),
      jsonArrayFrom(
        eb
          .selectFrom('imaging_instances as i')
          .innerJoin('imaging_studies as s', 's.id', 'i.study_ref')
          .select(['i.sop_uid', 'i.sha256', 'i.study_ref', 's.study_uid', 's.hospital_id'])
          .where('i.sop_uid', 'in', uids.sops),
      ).as('instances'),
    ])
    .executeTakeFirstOrThrow();
  return { studies: row.studies, series: row.series, instances: row.instances };
}
export type BatchHolders = Awaited<ReturnType<typeof holdersOf>>;

/**
 * New patient records, and the ids of the patients with a Patient ID among `keys` (new or already there), in ONE
 * statement. A record with an empty Patient ID is always new (it belongs to one study); an existing hospital +
 * issuer + Patient ID keeps its record.
 */
export function upsertPatients(
  trx: Trx,
  rows: Insertable<ImagingPatientTable>[],
  keys: { hospital: string; issuer: string; patientId: string }[],
) {
  const cols = ['id', 'hospital_id', 'issuer', 'patient_id'] as const;
  const keyed = trx
    .selectFrom('imaging_patients')
    .select(cols)
    .where((w) =>
      keys.length
        ? w(
            w.refTuple('hospital_id', 'issuer', 'patient_id'),
            'in',
            keys.map((k) => w.tuple(k.hospital, k.issuer, k.patientId)),
          )
        : w.lit(false),
    );
  if (!rows.length) return keyed.execute();
  return trx
    .with('ins', (db) =>
      db
        .insertInto('imaging_patients')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['hospital_id', 'issuer', 'patient_id']).where('patient_id', '<>', '').doNothing(),
        )
        .returning(cols),
    )
    .selectFrom('ins')
    .select(cols)
    .where('patient_id', '<>', '')
    .unionAll(keyed)
    .execute();
}

/**
 * New studies and the ids of all of them in ONE statement: the insert's own rows (a CTE) plus those already
 * there (the statement's snapshot does not see the CTE's rows, so none is counted twice).
 */
export function upsertStudies(trx: Trx, rows: Insertable<ImagingStudyTable>[]) {
  return trx
    .with('ins', (db) =>
      db
        .insertInto('imaging_studies')
        .values(rows)
        .onConflict((oc) => oc.columns(['hospital_id', 'study_uid']).doNothing())
        .returning(['id', 'hospital_id', 'study_uid']),
    )
    .selectFrom('ins')
    .select(['id', 'hospital_id', 'study_uid'])
    .unionAll((eb) =>
      eb
        .selectFrom('imaging_studies')
        .select(['id', 'hospital_id', 'study_uid'])
        .where((w) =>
          w(
            w.refTuple('hospital_id', 'study_uid'),
            'in',
            rows.map((r) => w.tuple(r.hospital_id, r.study_uid)),
          ),
        ),
    )
    .execute();
}

/** New series and the ids of all of them in ONE statement (as upsertStudies). */
export function upsertSeries(trx: Trx, rows: Insertable<ImagingSeriesTable>[]) {
  return trx
    .with('ins', (db) =>
      db
        .insertInto('imaging_series')
        .values(rows)
        .onConflict((oc) => oc.columns(['study_ref', 'series_uid']).doNothing())
        .returning(['id', 'study_ref', 'series_uid']),
    )
    .selectFrom('ins')
    .select(['id', 'study_ref', 'series_uid'])
    .unionAll((eb) =>
      eb
        .selectFrom('imaging_series')
        .select(['id', 'study_ref', 'series_uid'])
        .where((w) =>
          w(
            w.refTuple('study_ref', 'series_uid'),
            'in',
            rows.map((r) => w.tuple(r.study_ref, r.series_uid)),
          ),
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
