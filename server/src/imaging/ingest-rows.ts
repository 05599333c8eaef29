import { uploaderId } from '../auth/actor';
import { timeOrderedId } from '../db/time-ordered-id';
import type { InstanceAttrs } from './dicom';
import type { PendingInstance } from './ingest-batch';
import * as q from './ingest-queries';
import { SCAN_VERSION } from './scan';

/** New index rows are keyed in time order: inserted at their indexes' right-hand edge (db/time-ordered-id.ts). */
const uuid = () => timeOrderedId();

/**
 * The rows a batch's accepted instances write, with every id known beforehand from what the locked read found
 * (holders): a patient with a Patient ID is found by hospital + issuer + ID, else a new record (one per key);
 * without one, the study's own patient record, or one new record per new study. A study or series already there
 * keeps its row; the others are new. `instances[k]` is `accepted[k]`'s row.
 */
export function indexRows(accepted: PendingInstance[], h: q.BatchHolders) {
  const patients: q.PatientRow[] = [];
  const studies: q.StudyRow[] = [];
  const series: q.SeriesRow[] = [];
  const patientOf = new Map<string, string>(); // patient key → record id
  for (const f of h.patients) patientOf.set(q.patientKey(f.hospital_id, f.issuer, f.patient_id), f.id);
  const studyOf = new Map<string, string>(); // `hospital \0 study UID` → study id
  for (const s of h.studies) studyOf.set(`${s.hospital_id}\0${s.study_uid}`, s.id);
  const seriesOf = new Map<string, string>(); // `hospital \0 study UID \0 series UID` → series id
  for (const s of h.series) seriesOf.set(`${s.hospital_id}\0${s.study_uid}\0${s.series_uid}`, s.id);

  const newPatient = (hospitalId: string, a: InstanceAttrs) => {
    const row = patientRow(hospitalId, a);
    patients.push(row);
    return row.id;
  };
  const instances = accepted.map((p) => {
    const a = p.attrs;
    const sk = `${p.hospitalId}\0${a.studyUid}`;
    let study = studyOf.get(sk);
    if (!study) {
      // A new study's patient: the record with its hospital + issuer + Patient ID (found, or made once per key),
      // else a record of its own. A study already there keeps its record (identity.ts judged the instance the same
      // patient), so no record is made for it: every patient record belongs to a study.
      let patient: string | undefined;
      if (a.patientId) {
        const pk = q.patientKey(p.hospitalId, a.issuer, a.patientId);
        patient = patientOf.get(pk);
        if (!patient) patientOf.set(pk, (patient = newPatient(p.hospitalId, a)));
      }
      patient ??= newPatient(p.hospitalId, a);
      study = uuid();
      studies.push({
        id: study,
        hospital_id: p.hospitalId,
        patient_ref: patient,
        study_uid: a.studyUid,
        study_date: a.studyDate,
        study_time: a.studyTime,
        accession_number: a.accessionNumber,
        study_id: a.studyId,
        study_description: a.studyDescription,
        referring_physician: a.referringPhysician,
        uploaded_by: uploaderId(p.actor),
      });
      studyOf.set(sk, study);
    }
    const rk = `${sk}\0${a.seriesUid}`;
    let se = seriesOf.get(rk);
    if (!se) {
      se = uuid();
      series.push({
        id: se,
        study_ref: study,
        series_uid: a.seriesUid,
        modality: a.modality,
        series_number: a.seriesNumber,
        series_description: a.seriesDescription,
        body_part: a.bodyPart,
      });
      seriesOf.set(rk, se);
    }
    return instanceRow(p, { study, series: se });
  });
  return { patients, studies, series, instances };
}

function instanceRow(p: PendingInstance, studyAndSeries: { study: string; series: string }): q.InstanceRow {
  const a = p.attrs;
  return {
    id: uuid(),
    hospital_id: p.hospitalId,
    study_ref: studyAndSeries.study,
    series_ref: studyAndSeries.series,
    sop_uid: a.sopInstanceUid,
    sop_class_uid: a.sopClassUid,
    transfer_syntax_uid: a.transferSyntaxUid,
    instance_number: a.instanceNumber,
    rows: a.rows,
    columns: a.columns,
    frames: a.frames,
    bits_allocated: a.bitsAllocated,
    pixel_offset: a.frameIndex?.offset ?? null,
    frame_length: a.frameIndex?.length ?? null,
    frame_spans: a.frameSpans,
    scan_version: SCAN_VERSION,
    sha256: p.file.sha256,
    size: p.file.size,
    uploaded_by: uploaderId(p.actor),
  };
}

const patientRow = (hospitalId: string, a: InstanceAttrs): q.PatientRow => ({
  id: uuid(),
  hospital_id: hospitalId,
  patient_id: a.patientId,
  issuer: a.issuer,
  patient_name: a.patientName,
  birth_date: a.birthDate,
  sex: a.sex,
});
