import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Round trips of the ingest group commit (imaging/ingest-batch.ts) and of every audit append, folded into
 * functions. A VOLATILE function takes a fresh snapshot for each statement it runs, so a read after a lock inside
 * one sees everything committed before the lock was granted, exactly as two statements from the client would,
 * in one round trip instead of two:
 *   - audit_lock_head(key): the audit chain's advisory lock, then its signed head checkpoint;
 *   - imaging_lock_holders(keys, studies, series, sops): a batch's identity locks in their global order, then who
 *     holds those study, series and SOP Instance UIDs (one JSON document).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create function audit_lock_head(p_key int) returns setof audit_checkpoint language plpgsql volatile as $$
      begin
        perform pg_advisory_xact_lock(p_key, hashtext(current_schema()));
        return query select * from audit_checkpoint where id = 1;
      end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create function imaging_lock_holders(p_keys jsonb, p_studies jsonb, p_series jsonb, p_sops jsonb)
      returns json language plpgsql volatile as $$
      begin
        perform pg_advisory_xact_lock(k.s, k.h)
          from (select distinct v.s, hashtext(v.u) as h from jsonb_to_recordset(p_keys) as v(s int, u text)) k
          order by k.s, k.h;
        return json_build_object(
          'studies', (select coalesce(json_agg(x), '[]') from (
            select s.id, s.study_uid, s.hospital_id, h.name_en as hospital_name, p.id as patient_ref, p.patient_id,
              p.issuer, p.patient_name
            from imaging_studies s join imaging_patients p on p.id = s.patient_ref
            join hospitals h on h.id = s.hospital_id
            where s.study_uid in (select jsonb_array_elements_text(p_studies))) x),
          'series', (select coalesce(json_agg(x), '[]') from (
            select se.series_uid, s.study_uid, s.hospital_id
            from imaging_series se join imaging_studies s on s.id = se.study_ref
            where se.series_uid in (select jsonb_array_elements_text(p_series))) x),
          'instances', (select coalesce(json_agg(x), '[]') from (
            select i.sop_uid, i.sha256, i.study_ref, s.study_uid, s.hospital_id
            from imaging_instances i join imaging_studies s on s.id = i.study_ref
            where i.sop_uid in (select jsonb_array_elements_text(p_sops))) x));
      end $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists imaging_lock_holders(jsonb, jsonb, jsonb, jsonb)`.execute(db);
  await sql`drop function if exists audit_lock_head(int)`.execute(db);
}
