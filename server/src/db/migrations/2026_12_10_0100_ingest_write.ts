import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * The writes of an ingest batch (imaging/ingest-batch.ts) in one round trip instead of four: imaging_write_batch
 * inserts the batch's new patient records, studies, series and instances, each kind in one statement, and
 * resolves the references between them by their natural keys (a VOLATILE function takes a fresh snapshot for each
 * statement, so each statement sees the rows the one before it wrote). Who gets which patient record is decided by
 * the caller; this function only finds the records it named:
 *   - p_patients: new patient records; one whose hospital + issuer + Patient ID exists already is not inserted;
 *   - p_studies: a study's patient is the record of its hospital + issuer + Patient ID when it has a Patient ID,
 *     else the record `patient_ref` names; a study already there is kept as it is;
 *   - p_series: found under their study (hospital + Study Instance UID); a series already there is kept;
 *   - p_instances: found under their study and series; an instance already there is skipped, never replaced.
 * Returns the instances inserted, each with its study's id: [{ "id": …, "study_ref": … }].
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create function imaging_write_batch(p_patients jsonb, p_studies jsonb, p_series jsonb, p_instances jsonb)
      returns json language plpgsql volatile as $$
      declare
        v_out json;
      begin
        insert into imaging_patients (id, hospital_id, patient_id, issuer, patient_name, birth_date, sex)
        select v.id, v.hospital_id, v.patient_id, v.issuer, v.patient_name, v.birth_date, v.sex
        from jsonb_to_recordset(p_patients) as v(id uuid, hospital_id uuid, patient_id text, issuer text,
          patient_name text, birth_date text, sex text)
        on conflict (hospital_id, issuer, patient_id) where patient_id <> '' do nothing;

        insert into imaging_studies (id, hospital_id, patient_ref, study_uid, study_date, study_time,
          accession_number, study_id, study_description, referring_physician, uploaded_by)
        select v.id, v.hospital_id,
          case when v.patient_id <> '' then (select p.id from imaging_patients p where p.hospital_id = v.hospital_id
            and p.issuer = v.issuer and p.patient_id = v.patient_id) else v.patient_ref end,
          v.study_uid, v.study_date, v.study_time, v.accession_number, v.study_id, v.study_description,
          v.referring_physician, v.uploaded_by
        from jsonb_to_recordset(p_studies) as v(id uuid, hospital_id uuid, patient_ref uuid, patient_id text,
          issuer text, study_uid text, study_date text, study_time text, accession_number text, study_id text,
          study_description text, referring_physician text, uploaded_by uuid)
        on conflict (hospital_id, study_uid) do nothing;

        insert into imaging_series (id, study_ref, series_uid, modality, series_number, series_description,
          body_part)
        select v.id, s.id, v.series_uid, v.modality, v.series_number, v.series_description, v.body_part
        from jsonb_to_recordset(p_series) as v(id uuid, hospital_id uuid, study_uid text, series_uid text,
          modality text, series_number int, series_description text, body_part text)
        join imaging_studies s on s.hospital_id = v.hospital_id and s.study_uid = v.study_uid
        on conflict (study_ref, series_uid) do nothing;

        with ins as (
          insert into imaging_instances (id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid,
            transfer_syntax_uid, instance_number, rows, columns, frames, bits_allocated, pixel_offset, frame_length,
            frame_spans, scan_version, sha256, size, uploaded_by)
          select v.id, v.hospital_id, s.id, se.id, v.sop_uid, v.sop_class_uid, v.transfer_syntax_uid,
            v.instance_number, v.rows, v.columns, v.frames, v.bits_allocated, v.pixel_offset, v.frame_length,
            v.frame_spans, v.scan_version, v.sha256, v.size, v.uploaded_by
          from jsonb_to_recordset(p_instances) as v(id uuid, hospital_id uuid, study_uid text, series_uid text,
            sop_uid text, sop_class_uid text, transfer_syntax_uid text, instance_number int, rows int, columns int,
            frames int, bits_allocated int, pixel_offset bigint, frame_length bigint, frame_spans text,
            scan_version int, sha256 text, size bigint, uploaded_by uuid)
          join imaging_studies s on s.hospital_id = v.hospital_id and s.study_uid = v.study_uid
          join imaging_series se on se.study_ref = s.id and se.series_uid = v.series_uid
          on conflict (hospital_id, sop_uid) do nothing
          returning id, study_ref)
        select coalesce(json_agg(json_build_object('id', id, 'study_ref', study_ref)), '[]') into v_out from ins;
        return v_out;
      end $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists imaging_write_batch(jsonb, jsonb, jsonb, jsonb)`.execute(db);
}
