import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Fewer round trips for the ingest group commit and every audit append (issue 14):
 *   - audit_lock_reserve(key, n): the audit chain's advisory lock, then (one JSON document) its signed head
 *     checkpoint, the last row's seq and hash (the link when the checkpoint is not intact), and n values of the
 *     rows' seq identity, so the caller can sign the new head before inserting and write rows and checkpoint in
 *     one statement. Unused values are gaps, as a rolled-back append leaves; the chain links by hash.
 *   - imaging_lock_batch(keys, studies, series, sops, patients, audit_key, audit_n): imaging_lock_holders, plus
 *     the ids the index writes need (each series' id, the patient records with these hospital + issuer + Patient
 *     ID keys), read under the locks, then the audit chain's lock, head and reserved seq values
 *     (audit_lock_reserve, taken last, as every appender does), so a batch's patient, study, series, instance and
 *     audit rows are written in ONE statement after this one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create function audit_lock_reserve(p_key int, p_n int) returns json language plpgsql volatile as $$
      begin
        perform pg_advisory_xact_lock(p_key, hashtext(current_schema()));
        return json_build_object(
          'checkpoint', (select row_to_json(c) from audit_checkpoint c where c.id = 1),
          'last', (select row_to_json(x) from (select seq, hash from audit_events order by seq desc limit 1) x),
          'seqs', (select coalesce(json_agg(nextval(pg_get_serial_sequence('audit_events', 'seq'))
            order by g), '[]') from generate_series(1, p_n) g));
      end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create function imaging_lock_batch(p_keys jsonb, p_studies jsonb, p_series jsonb, p_sops jsonb,
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
            where s.study_uid in (select jsonb_array_elements_text(p_studies))) x),
          'series', (select coalesce(json_agg(x), '[]') from (
            select se.id, se.series_uid, s.study_uid, s.hospital_id
            from imaging_series se join imaging_studies s on s.id = se.study_ref
            where se.series_uid in (select jsonb_array_elements_text(p_series))) x),
          'instances', (select coalesce(json_agg(x), '[]') from (
            select i.sop_uid, i.sha256, i.study_ref, s.study_uid, s.hospital_id
            from imaging_instances i join imaging_studies s on s.id = i.study_ref
            where i.sop_uid in (select jsonb_array_elements_text(p_sops))) x),
          'patients', (select coalesce(json_agg(x), '[]') from (
            select p.id, p.hospital_id, p.issuer, p.patient_id
            from imaging_patients p
            join jsonb_to_recordset(p_patients) as k(hospital uuid, issuer text, "patientId" text)
              on p.hospital_id = k.hospital and p.issuer = k.issuer and p.patient_id = k."patientId") x));
        return json_build_object('holders', holders, 'audit', audit_lock_reserve(p_audit_key, p_audit_n));
      end $$`,
    )
    .execute(db);
  // imaging_lock_holders and audit_lock_head stay: a node of the previous release, still running while this one
  // migrates (a rolling restart), calls them until it stops.
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists imaging_lock_batch(jsonb, jsonb, jsonb, jsonb, jsonb, int, int)`.execute(
    db,
  );
  await sql`drop function if exists audit_lock_reserve(int, int)`.execute(db);
}
