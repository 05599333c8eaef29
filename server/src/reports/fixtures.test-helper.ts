/** Test fixtures: a patient, a case and a consultation in a given state, inserted directly (tests only). */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConsultationState, ReportContent } from '@consult/shared';
import type { DB } from '../db/database';
import type { ReportDocument } from './document';

export async function userId(db: DB, username: string): Promise<{ id: string; hospitalId: string }> {
  const u = await db
    .selectFrom('users')
    .select(['id', 'hospital_id'])
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  return { id: u.id, hospitalId: u.hospital_id! };
}

export async function makeConsultation(
  db: DB,
  opts: {
    requester?: string;
    assignee?: string;
    state?: ConsultationState;
    type?: 'remote_consultation' | 'remote_image_diagnosis';
  } = {},
): Promise<{ consultationId: string; caseId: string; patientId: string }> {
  const req = await userId(db, opts.requester ?? 'lankao.doctor');
  const asg = await userId(db, opts.assignee ?? 'pku.cardio');
  const patientId = crypto.randomUUID();
  const caseId = crypto.randomUUID();
  const consultationId = crypto.randomUUID();
  await db
    .insertInto('patients')
    .values({
      id: patientId,
      hospital_id: req.hospitalId,
      name: '测试患者 王某',
      sex: 'male',
      birth_date: '1961-04-12',
      created_by: req.id,
      poverty_registered: true,
    })
    .execute();
  await db
    .insertInto('patient_cases')
    .values({
      id: caseId,
      patient_id: patientId,
      diagnosis: '胸痛待查',
      icd10: 'R07.4',
      status: 'active',
      created_by: req.id,
    })
    .execute();
  const now = new Date();
  await db
    .insertInto('consultations')
    .values({
      id: consultationId,
      patient_id: patientId,
      case_id: caseId,
      requesting_hospital_id: req.hospitalId,
      requester_id: req.id,
      target_hospital_id: asg.hospitalId,
      type: opts.type ?? 'remote_consultation',
      urgency: 'urgent',
      state: opts.state ?? 'in_progress',
      clinical_question: '胸痛三小时，心电图ST段抬高，是否需要转诊行PCI？',
      history_summary: '高血压十年。',
      assigned_to: asg.id,
      submitted_at: new Date(now.getTime() - 3 * 3600_000),
      accepted_at: new Date(now.getTime() - 2 * 3600_000),
    })
    .execute();
  return { consultationId, caseId, patientId };
}

export const sampleContent = (): ReportContent => ({
  findings: '心电图示 V1–V4 导联 ST 段抬高，肌钙蛋白升高。',
  impression: '急性前壁心肌梗死，建议尽快再灌注治疗。',
  diagnoses: [{ code: 'I21.0', titleZh: '', titleEn: '', primary: true }],
  recommendations: {
    treatmentPlan: '阿司匹林 300mg 嚼服，氯吡格雷 600mg 负荷；尽快转诊行急诊PCI。',
    referral: true,
    referralNote: '北京大学第一医院心内科',
    followUpIntervalDays: 30,
  },
  keyImages: [],
});

/** One CT study (one series, one 3-frame instance, one annotation on frame 2) linked to the consultation. */
export async function makeImaging(db: DB, consultationId: string, hospitalId: string, userId: string) {
  const studyUid = `1.2.840.113619.2.55.3.${Date.now()}`;
  const sopUid = `${studyUid}.1.1`;
  const ip = crypto.randomUUID();
  const st = crypto.randomUUID();
  const se = crypto.randomUUID();
  const inst = crypto.randomUUID();
  const annotationId = crypto.randomUUID();
  await db
    .insertInto('imaging_patients')
    .values({
      id: ip,
      hospital_id: hospitalId,
      patient_id: 'P1',
      patient_name: 'Wang^Mou',
      birth_date: '19610412',
      sex: 'M',
    })
    .execute();
  await db
    .insertInto('imaging_studies')
    .values({
      id: st,
      hospital_id: hospitalId,
      patient_ref: ip,
      study_uid: studyUid,
      study_date: '20261120',
      study_time: '',
      accession_number: '',
      study_id: '',
      study_description: '冠脉CTA',
      referring_physician: '',
    })
    .execute();
  await db
    .insertInto('imaging_series')
    .values({
      id: se,
      study_ref: st,
      series_uid: `${studyUid}.1`,
      modality: 'CT',
      series_number: 1,
      series_description: '',
      body_part: 'HEART',
    })
    .execute();
  await db
    .insertInto('imaging_instances')
    .values({
      id: inst,
      hospital_id: hospitalId,
      study_ref: st,
      series_ref: se,
      sop_uid: sopUid,
      sop_class_uid: '1.2.840.10008.5.1.4.1.1.2',
      transfer_syntax_uid: '1.2.840.10008.1.2.1',
      frames: 3,
      sha256: 'x',
      size: 1,
    })
    .execute();
  await db
    .insertInto('imaging_annotations')
    .values({
      id: annotationId,
      study_ref: st,
      instance_ref: inst,
      frame: 1, // 0-based: the second frame (key image frame 2)
      tool: 'Length',
      points: '[[0,0],[1,1]]',
      measurements: '[]',
      author_id: userId,
      version: 1,
      updated_at: new Date(),
    })
    .execute();
  await db
    .insertInto('consultation_studies')
    .values({ consultation_id: consultationId, study_instance_uid: studyUid, linked_by: userId })
    .execute();
  return { studyUid, sopUid, annotationId };
}

/** Run a poppler tool on PDF bytes (written to a temporary file, removed after). */
function poppler(tool: 'pdftotext' | 'pdfimages', pdf: Uint8Array, args: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
  const file = path.join(dir, 'r.pdf');
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of a PDF, as pdftotext extracts it. */
export const pdfText = (pdf: Uint8Array): string => poppler('pdftotext', pdf, ['-enc', 'UTF-8']);

/** The images of a PDF, one row of `pdfimages -list` columns each (page, num, type, width, height, ...). */
export const pdfImages = (pdf: Uint8Array): string[][] =>
  poppler('pdfimages', pdf, ['-list'])
    .trim()
    .split('\n')
    .slice(2) // two header lines
    .map((l) => l.trim().split(/\s+/));

const sampleHospital = {
  id: '44444444-4444-4444-8444-444444444444',
  nameZh: '北京大学第一医院',
  nameEn: 'Peking University First Hospital',
  region: '北京市',
};
/** A signed report's printable document (no database): for renderer and signed-PDF tests. */
export const sampleDocument = (): ReportDocument => ({
  reportId: '11111111-1111-4111-8111-111111111111',
  status: 'signed',
  acknowledgedAt: null,
  signature: 'c2ln',
  keyFingerprint: 'ab'.repeat(32),
  payload: {
    type: 'consult.remote-diagnosis-report/1',
    reportId: '11111111-1111-4111-8111-111111111111',
    consultationId: '22222222-2222-4222-8222-222222222222',
    version: 1,
    signedAt: '2026-11-25T08:00:00.000Z',
    signer: {
      id: '33333333-3333-4333-8333-333333333333',
      name: '陈教授',
      role: 'specialist',
      hospitalId: sampleHospital.id,
    },
    amendmentReason: null,
    previous: null,
    content: {
      ...sampleContent(),
      diagnoses: [
        {
          code: 'I21.0',
          titleZh: '前壁急性透壁性心肌梗死',
          titleEn: 'Acute transmural myocardial infarction of anterior wall',
          primary: true,
        },
      ],
    },
  },
  consultation: {
    id: '22222222-2222-4222-8222-222222222222',
    type: 'remote_consultation',
    urgency: 'urgent',
    clinicalQuestion: '胸痛',
    historySummary: '',
    submittedAt: null,
    requesterId: '55555555-5555-4555-8555-555555555555',
    requesterName: '张伟',
  },
  patient: {
    id: '66666666-6666-4666-8666-666666666666',
    name: '王某',
    sex: 'male',
    birthDate: '1961-04-12',
    povertyRegistered: true,
  },
  requesting: {
    id: '77777777-7777-4777-8777-777777777777',
    nameZh: '兰考县人民医院',
    nameEn: 'Lankao',
    region: '河南',
  },
  consulting: sampleHospital,
  signerHospital: sampleHospital,
  studies: [],
});

/** `pdfsig` (poppler) on PDF bytes: its whole output, whatever its exit code. */
export function pdfSig(pdf: Uint8Array): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
  const file = path.join(dir, 'r.pdf');
  fs.writeFileSync(file, pdf);
  try {
    const r = spawnSync('pdfsig', [file], { encoding: 'utf8', timeout: 60_000 });
    return `${r.stdout}${r.stderr}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
