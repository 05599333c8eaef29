/** Test fixtures: a patient, a case and a consultation in a given state, inserted directly (tests only). */
import crypto from 'node:crypto';
import type { ConsultationState, ReportContent } from '@consult/shared';
import type { DB } from '../db/database';

export async function userId(db: DB, username: string): Promise<{ id: string; hospitalId: string }> {
  const u = await db.selectFrom('users').select(['id', 'hospital_id']).where('username', '=', username).executeTakeFirstOrThrow();
  return { id: u.id, hospitalId: u.hospital_id! };
}

export async function makeConsultation(
  db: DB,
  opts: { requester?: string; assignee?: string; state?: ConsultationState; type?: 'remote_consultation' | 'remote_image_diagnosis' } = {},
): Promise<{ consultationId: string; caseId: string; patientId: string }> {
  const req = await userId(db, opts.requester ?? 'lankao.doctor');
  const asg = await userId(db, opts.assignee ?? 'pku.cardio');
  const patientId = crypto.randomUUID();
  const caseId = crypto.randomUUID();
  const consultationId = crypto.randomUUID();
  await db
    .insertInto('patients')
    .values({ id: patientId, hospital_id: req.hospitalId, name: '测试患者 王某', sex: 'male', birth_date: '1961-04-12', created_by: req.id, poverty_registered: true })
    .execute();
  await db
    .insertInto('patient_cases')
    .values({ id: caseId, patient_id: patientId, diagnosis: '胸痛待查', icd10: 'R07.4', status: 'active', created_by: req.id })
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
