/** Everything an export (PDF, FHIR) needs about one signed report version, loaded in one place. */
import type { ReportPatientHeader } from '@consult/shared';
import type { Executor } from '../db/database';
import { notFound } from '../errors';
import { patientHeader, type Loaded } from './view';
import { parsePayload, type SignedPayload } from './payload';
import * as q from './queries';
import * as dq from './document-queries';
import { findHospital } from '../network/queries';
import type { KeyImagePicture } from './key-image-pictures';
import type { PdfSignatureInfo } from './pades/signature-block';

export interface HospitalInfo {
  id: string;
  nameZh: string;
  nameEn: string;
  region: string;
}

export interface ReportDocument {
  reportId: string;
  /** Human report number (absent on documents built before numbers existed). */
  reportNumber?: string | null;
  /** IANA zone the PDF prints times in (default Asia/Shanghai). */
  timeZone?: string;
  /** The printed header (masked ID, record number, age); absent → name, sex and birth date only. */
  header?: ReportPatientHeader;
  status: string;
  acknowledgedAt: string | null;
  payload: SignedPayload;
  signature: string;
  keyFingerprint: string;
  consultation: {
    id: string;
    type: string;
    urgency: string;
    clinicalQuestion: string;
    historySummary: string;
    submittedAt: string | null;
    requesterId: string;
    requesterName: string;
  };
  patient: { id: string; name: string; sex: string; birthDate: string; povertyRegistered: boolean };
  requesting: HospitalInfo;
  consulting: HospitalInfo;
  signerHospital: HospitalInfo;
  studies: {
    studyInstanceUid: string;
    modality: string | null;
    description: string | null;
    started: string | null;
    numberOfSeries: number;
    numberOfInstances: number;
  }[];
  /** The PDF's visible signature block and signature field (pades/); absent → an unsigned PDF. */
  pdfSignature?: PdfSignatureInfo;
  /** The key images' pictures, aligned with payload.content.keyImages (the PDF export loads them). */
  keyImagePictures?: KeyImagePicture[];
}

const dateText = (v: unknown): string =>
  typeof v === 'string' ? v.slice(0, 10) : v instanceof Date ? v.toISOString().slice(0, 10) : String(v);

async function hospital(db: Executor, id: string): Promise<HospitalInfo> {
  const h = await findHospital(db, { visible: null }, id);
  if (!h) throw new Error(`hospital ${id} is gone`);
  return { id: h.id, nameZh: h.name_zh, nameEn: h.name_en, region: h.region };
}

export async function loadDocument(
  db: Executor,
  l: Loaded,
  version?: number,
  timeZone = 'Asia/Shanghai',
): Promise<ReportDocument> {
  const rows = await q.listVersions(db, l.report.id);
  const row = version ? rows.find((r) => r.version === version) : rows.at(-1);
  if (!row) throw notFound('signed report version');
  const payload = parsePayload(row);
  const c = await dq.requestRow(db, l.consultation.id);
  const p = await dq.patientRow(db, l.consultation.patient_id);
  const studies = await dq.linkedStudies(db, l.consultation.id, l.consultation.requesting_hospital_id);
  return {
    reportId: l.report.id,
    reportNumber: l.report.report_number,
    timeZone,
    header: await patientHeader(db, l.consultation.patient_id, l.report.first_signed_at),
    status: l.report.status,
    acknowledgedAt: l.report.acknowledged_at?.toISOString() ?? null,
    payload,
    signature: row.signature,
    keyFingerprint: row.key_fingerprint,
    consultation: {
      id: c.id,
      type: c.type,
      urgency: c.urgency,
      clinicalQuestion: c.clinical_question,
      historySummary: c.history_summary,
      submittedAt: c.submitted_at?.toISOString() ?? null,
      requesterId: c.requester_id,
      requesterName: c.display_name,
    },
    patient: {
      id: p.id,
      name: p.name,
      sex: p.sex,
      birthDate: dateText(p.birth_date),
      povertyRegistered: p.poverty_registered,
    },
    requesting: await hospital(db, l.consultation.requesting_hospital_id),
    consulting: await hospital(db, l.consultation.target_hospital_id),
    signerHospital: await hospital(db, payload.signer.hospitalId ?? l.consultation.target_hospital_id),
    studies: studies.map((s) => ({
      studyInstanceUid: s.study_instance_uid,
      modality: s.modality ?? null,
      description: s.study_description || null,
      started:
        s.study_date && /^\d{8}$/.test(s.study_date)
          ? `${s.study_date.slice(0, 4)}-${s.study_date.slice(4, 6)}-${s.study_date.slice(6, 8)}`
          : null,
      numberOfSeries: Number(s.num_series ?? 0),
      numberOfInstances: Number(s.num_instances ?? 0),
    })),
  };
}
