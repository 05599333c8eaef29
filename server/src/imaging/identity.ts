import type { InstanceAttrs } from './dicom';
import type { IdentityHolders } from './queries';

/**
 * THE identity rule of stored images (issue 11), in one place:
 * - a Study Instance UID belongs to one patient of one hospital: an instance of a study held by another hospital,
 *   or by another patient of the same hospital, is refused (never merged into it, never stored beside it);
 * - a Series Instance UID belongs to one study, a SOP Instance UID to one study;
 * - patients are the same when hospital + Issuer of Patient ID (0010,0021) + Patient ID (0010,0020) are equal and
 *   the Patient ID is not empty. Without a Patient ID a patient record belongs to exactly one study, so an
 *   instance joins such a study only when it has no Patient ID either and carries the same Patient Name.
 * Reasons name both identities. Of another hospital's study only that hospital is named: its patient is not the
 * uploader's to see.
 */
export interface IdentityFault {
  reason: string;
  /** PS3.18 Failure Reason: 0xA900 for an identity mismatch, 0x0111 for a SOP Instance UID held elsewhere. */
  failureCode: number;
}

const MISMATCH = 0xa900;
const DUPLICATE = 0x0111;

/** How a patient is named in a reason: Patient ID (with issuer) and Patient Name, or the absence of an ID. */
export function describePatient(p: { patientId: string; issuer: string; patientName: string }): string {
  const id = p.patientId
    ? `PatientID "${p.patientId}"${p.issuer ? ` (issuer "${p.issuer}")` : ''}`
    : 'no PatientID';
  return `${id}, PatientName "${p.patientName}"`;
}

/** True when the incoming instance's patient is the patient a study belongs to. */
export function samePatient(
  a: Pick<InstanceAttrs, 'patientId' | 'issuer' | 'patientName'>,
  p: { patient_id: string; issuer: string; patient_name: string },
): boolean {
  if (p.patient_id === '') return a.patientId === '' && a.patientName === p.patient_name;
  return a.patientId === p.patient_id && a.issuer === p.issuer;
}

/** The fault of storing `a` for `hospitalId`, given who holds its identities now; null when it may be stored. */
export function judgeIdentity(
  hospitalId: string,
  a: InstanceAttrs,
  holders: IdentityHolders,
): IdentityFault | null {
  const incoming = describePatient(a);
  for (const s of holders.studies) {
    if (s.hospital_id !== hospitalId) {
      return {
        reason: `the Study Instance UID (0020,000D) ${a.studyUid} already belongs to a patient of another hospital (${s.hospital_name}); this instance (${incoming}) cannot be added to it or stored beside it — a study belongs to one patient of one hospital`,
        failureCode: MISMATCH,
      };
    }
    if (!samePatient(a, s)) {
      const owner = describePatient({
        patientId: s.patient_id,
        issuer: s.issuer,
        patientName: s.patient_name,
      });
      return {
        reason: `the Study Instance UID (0020,000D) ${a.studyUid} already belongs to another patient of this hospital (${owner}); this instance is for ${incoming} — a study belongs to one patient`,
        failureCode: MISMATCH,
      };
    }
  }
  for (const se of holders.series) {
    if (se.hospital_id !== hospitalId)
      return {
        reason: `the Series Instance UID (0020,000E) ${a.seriesUid} already belongs to a study of another hospital; this instance's study is ${a.studyUid}`,
        failureCode: MISMATCH,
      };
    if (se.study_uid !== a.studyUid)
      return {
        reason: `the Series Instance UID (0020,000E) ${a.seriesUid} already belongs to study ${se.study_uid}; this instance names study ${a.studyUid} — a series belongs to one study`,
        failureCode: MISMATCH,
      };
  }
  for (const i of holders.instances) {
    if (i.hospital_id !== hospitalId)
      return {
        reason: `an instance with SOP Instance UID (0008,0018) ${a.sopInstanceUid} is already stored by another hospital`,
        failureCode: DUPLICATE,
      };
    if (i.study_uid !== a.studyUid)
      return {
        reason: `an instance with SOP Instance UID (0008,0018) ${a.sopInstanceUid} is already stored in study ${i.study_uid}; this one names study ${a.studyUid}`,
        failureCode: DUPLICATE,
      };
  }
  return null;
}
