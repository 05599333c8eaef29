import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Ingest's lookups stay index lookups however large the archive grows (issue 14). Before this migration every
 * group-commit batch read its holders with sequential scans of imaging_studies, imaging_series, imaging_instances
 * and imaging_patients: a SOP Instance UID and a Series Instance UID had no index of their own (only with a
 * hospital or study in front), the patient key's index is partial (patient_id <> '') and the join did not say so,
 * and a `uid in (select jsonb_array_elements_text(…))` is planned for 100 rows, for which a hash join over the
 * whole table looks cheaper even where an index exists. The cost grew with every instance stored. And every start
 * scanned too: the sweep of unreferenced blobs looked up blob hashes in a table with no index on them, and the
 * demographics refresh looked for patient records flagged refresh_demographics by joining the three whole tables.
 *   - indexes: imaging_instances (sop_uid), imaging_instances (sha256), imaging_series (series_uid), and the flagged
 *     patient records (partial: refresh_demographics);
 *   - imaging_lock_batch: the same locks, reads and result, each UID set as `= any(array(…))` (planned for the
 *     array's own length, an index scan) and the patient keys joined laterally with the partial index's predicate.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists imaging_instances_sop_idx on imaging_instances (sop_uid)`.execute(db);
  await sql`create index if not exists imaging_instances_sha_idx on imaging_instances (sha256)`.execute(db);
  await sql`create index if not exists imaging_series_uid_idx on imaging_series (series_uid)`.execute(db);
  await sql`create index if not exists imaging_patients_refresh_idx on imaging_patients (id)
    where refresh_demographics`.execute(db);
  await sql
    .raw(
      `create or replace function imaging_lock_batch(p_keys jsonb, p_studies jsonb, p_series jsonb, p_sops jsonb,
        p_patients jsonb, p_audit_key int, p_audit_n int) returns json language plpgsql volatile as $$
      declare holders json;
      begin
        perform pg_advisory_xact_lock(k.s, k.h)
          from (select distinct v.s, hashtext(v.u) as h from jsonb_to_recordset(p_keys) as v(s int, u text)) k
          order by k.s, k.h;
        holders := json_build_object(
          'studies', (select coalesce(json_agg(x), '[]') from (
            select s.id, s.study_uid, s.hospital_id, h.name_en as hospital_name, p.id as patient_ref, p.patient_id,
              p.issuer, p.patient_name
            from imaging_studies s join imaging_patients p on p.id = s.patient_ref
            join hospitals h on h.id = s.hospital_id
            where s.study_uid = any(array(select jsonb_array_elements_text(p_studies)))) x),
          'series', (select coalesce(json_agg(x), '[]') from (
            select se.id, se.series_uid, s.study_uid, s.hospital_id
            from imaging_series se join imaging_studies s on s.id = se.study_ref
            where se.series_uid = any(array(select jsonb_array_elements_text(p_series)))) x),
          'instances', (select coalesce(json_agg(x), '[]') from (
            select i.sop_uid, i.sha256, i.study_ref, s.study_uid, s.hospital_id
            from imaging_instances i join imaging_studies s on s.id = i.study_ref
            where i.sop_uid = any(array(select jsonb_array_elements_text(p_sops)))) x),
          'patients', (select coalesce(json_agg(x), '[]') from (
            select p.id, p.hospital_id, p.issuer, p.patient_id
            from jsonb_to_recordset(p_patients) as k(hospital uuid, issuer text, "patientId" text)
            cross join lateral (
              select p.id, p.hospital_id, p.issuer, p.patient_id from imaging_patients p
              where p.hospital_id = k.hospital and p.issuer = k.issuer and p.patient_id = k."patientId"
                and p.patient_id <> '' offset 0) p) x));
        return json_build_object('holders', holders, 'audit', audit_lock_reserve(p_audit_key, p_audit_n));
      end $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists imaging_patients_refresh_idx`.execute(db);
  await sql`drop index if exists imaging_series_uid_idx`.execute(db);
  await sql`drop index if exists imaging_instances_sha_idx`.execute(db);
  await sql`drop index if exists imaging_instances_sop_idx`.execute(db);
}
