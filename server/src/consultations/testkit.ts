/** Test helpers for the consultations capability (patients, requests) over the harness's inject(). */
import { nationalIdCheckChar, type ConsultationDetail, type PatientDetail } from '@consult/shared';
import { hospitalId, type Session, type TestApp } from '../testing/harness';

let seq = 0;
/** A fresh valid national ID (GB 11643-1999) of that birth date per call, so files never clash. */
export function nextNationalId(birthDate = '1958-03-12'): string {
  const first17 = `410225${birthDate.replaceAll('-', '')}${String(seq++ % 1000).padStart(3, '0')}`;
  return first17 + nationalIdCheckChar(first17);
}

export async function createPatient(
  t: TestApp,
  s: Session,
  over: Record<string, unknown> = {},
): Promise<PatientDetail> {
  const res = await t.as(s, {
    method: 'POST',
    url: '/api/patients',
    payload: {
      name: '王秀兰',
      sex: 'female',
      birthDate: '1958-03-12',
      nationalId: nextNationalId(typeof over.birthDate === 'string' ? over.birthDate : undefined),
      povertyRegistered: true,
      village: '东坝头乡张庄村',
      ...over,
    },
  });
  if (res.statusCode !== 201) throw new Error(`create patient: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function createCase(
  t: TestApp,
  s: Session,
  patientId: string,
  over: Record<string, unknown> = {},
): Promise<PatientDetail> {
  const res = await t.as(s, {
    method: 'POST',
    url: `/api/patients/${patientId}/cases`,
    payload: {
      diagnosis: '慢性心力衰竭 Chronic heart failure',
      icd10: 'I50.9',
      status: 'chronic',
      treatmentPlan: '利尿剂 + ACEI',
      ...over,
    },
  });
  if (res.statusCode !== 201) throw new Error(`create case: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A county doctor's patient with one case, and a request to PKU First Hospital (submitted unless submit=false). */
export async function createRequest(
  t: TestApp,
  s: Session,
  over: Record<string, unknown> = {},
  target = 'Peking University First',
  patient: Record<string, unknown> = {},
): Promise<ConsultationDetail> {
  const p = await createPatient(t, s, patient);
  const withCase = await createCase(t, s, p.id);
  const res = await t.as(s, {
    method: 'POST',
    url: '/api/consultations',
    payload: {
      patientId: p.id,
      caseId: withCase.cases[0]!.id,
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion: '是否需要调整利尿剂剂量？ Adjust the diuretic dose?',
      historySummary: 'NYHA III, EF 35%',
      targetHospitalId: await hospitalId(t.db, target),
      ...over,
    },
  });
  if (res.statusCode !== 201) throw new Error(`create request: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function move(t: TestApp, s: Session, id: string, body: Record<string, unknown>) {
  return t.as(s, { method: 'POST', url: `/api/consultations/${id}/transitions`, payload: body });
}

export const PDF_BYTES = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'latin1');
export const JPEG_BYTES = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9,
]);
