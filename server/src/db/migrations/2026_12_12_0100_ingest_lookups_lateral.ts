import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Ingest's lookups by UID go through their indexes at every size of the archive, not only once it is large
 * (issue 14). After 2026_12_11_0100 each UID set was read as `uid = any(array(…))`: the planner cannot see how many
 * UIDs such an array holds, so it plans for several matching rows, and below some ten thousand rows a sequential
 * scan with a hash join looks cheaper to it than that many index probes. On the embedded database every group
 * commit batch then scanned imaging_studies, imaging_instances and imaging_patients whole (~0.3 ms each at 2,300
 * rows), so each small study cost more than the one before it until the plan flipped.
 *   - imaging_lock_batch: the same locks, reads and result; each UID of a set is looked up in a lateral subquery
 *     of its own (`offset 0` keeps it apart), planned for one UID: an index scan, then the joined rows by their
 *     primary keys.
 */
export async function up(db: Kysely<any>): Promise<void> {
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
          'studies', (select coalesce(json_agg(x), '[]') from jsonb_array_elements_text(p_studies) u
            cross join lateral (
              select s.id, s.study_uid, s.hospital_id, h.name_en as hospital_name, p.id as patient_ref,
                p.patient_id, p.issuer, p.patient_name
              from imaging_studies s join imaging_patients p on p.id = s.patient_ref
              join hospitals h on h.id = s.hospital_id
              where s.study_uid = u.value offset 0) x),
          'series', (select coalesce(json_agg(x), '[]') from jsonb_array_elements_text(p_series) u
            cross join lateral (
              select se.id, se.series_uid, s.study_uid, s.hospital_id
              from imaging_series se join imaging_studies s on s.id = se.study_ref
              where se.series_uid = u.value offset 0) x),
          'instances', (select coalesce(json_agg(x), '[]') from jsonb_array_elements_text(p_sops) u
            cross join lateral (
              select i.sop_uid, i.sha256, i.study_ref, s.study_uid, s.hospital_id
              from imaging_instances i join imaging_studies s on s.id = i.study_ref
              where i.sop_uid = u.value offset 0) x),
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

/** The function reads the same rows either way: a rollback leaves this definition (as 2026_12_11_0100's does). */
export async function down(): Promise<void> {}
