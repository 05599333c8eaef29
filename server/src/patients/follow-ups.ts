/**
 * Follow-ups of a case: structured visits (blood pressure, glucose, weight, symptoms, adherence, next date), the
 * overdue list of the actor's hospital(s), and the entry + plan written when a remote report is acknowledged (the
 * reports capability calls `recordReportAcknowledgement` instead of writing patient tables itself).
 */
import crypto from 'node:crypto';
import type { FollowUpCreate, OverdueList, OverdueQuery, PatientDetail } from '@consult/shared';
import type { DB, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { auditRead } from '../consultations/read-audit';
import { badRequest, notFound } from '../errors';
import * as q from './queries';
import { getPatient, loadOwned } from './service';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The faults of a follow-up body the schema cannot see, each naming its field. */
export function checkFollowUp(body: FollowUpCreate, today = new Date()): void {
  const tomorrow = isoDay(new Date(today.getTime() + 86_400_000));
  if (body.date > tomorrow) throw badRequest('the follow-up date is in the future', '/body/date');
  const sys = body.systolic ?? null;
  const dia = body.diastolic ?? null;
  if ((sys === null) !== (dia === null))
    throw badRequest(
      'blood pressure needs both systolic and diastolic values',
      sys === null ? '/body/systolic' : '/body/diastolic',
    );
  if (sys !== null && dia !== null && sys <= dia)
    throw badRequest('systolic pressure must be above diastolic pressure', '/body/systolic');
  if (body.nextDueDate && body.nextDueDate < body.date)
    throw badRequest('the next due date must be on or after the follow-up date', '/body/nextDueDate');
  const recorded =
    !!body.notes?.trim() ||
    !!body.symptoms?.trim() ||
    sys !== null ||
    body.glucose !== undefined ||
    body.weight !== undefined ||
    body.adherence !== undefined;
  if (!recorded) throw badRequest('a follow-up records at least one finding or a note', '/body/notes');
}

export async function addFollowUp(
  db: DB,
  actor: Actor,
  patientId: string,
  caseId: string,
  body: FollowUpCreate,
): Promise<PatientDetail> {
  await loadOwned(db, actor, patientId);
  checkFollowUp(body);
  await db.transaction().execute(async (trx) => {
    if (!(await q.caseOfPatient(trx, patientId, caseId))) throw notFound('case');
    await q.insertFollowUp(trx, {
      id: crypto.randomUUID(),
      case_id: caseId,
      kind: 'visit',
      follow_up_date: body.date,
      by_user_id: actor.id,
      notes: body.notes?.trim() ?? '',
      systolic: body.systolic ?? null,
      diastolic: body.diastolic ?? null,
      glucose: body.glucose ?? null,
      weight: body.weight ?? null,
      symptoms: body.symptoms?.trim() ?? '',
      adherence: body.adherence ?? null,
      next_due_date: body.nextDueDate ?? null,
    });
    await recordAudit(trx, {
      actor,
      action: 'patient.follow_up.create',
      entityType: 'patient',
      entityId: patientId,
      ip: actor.ip,
      detail: { caseId },
    });
  });
  return getPatient(db, actor, patientId, false);
}

/** Cases (not resolved) whose next follow-up is past due, most overdue first, in the actor's scope. */
export async function listOverdue(db: DB, actor: Actor, query: OverdueQuery): Promise<OverdueList> {
  const today = isoDay(new Date());
  const rows = await q.overdueFollowUps(db, actor, query, today);
  auditRead(db, {
    actor,
    action: 'patient.follow_up.overdue',
    entityType: 'patient',
    ip: actor.ip,
    detail: { count: rows.length },
  });
  const day = (s: string) => Date.parse(`${s}T00:00:00Z`);
  return {
    items: rows.map((r) => ({
      patientId: r.patient_id,
      patientName: r.name,
      sex: r.sex,
      birthDate: r.birth_date,
      village: r.village,
      phone: r.phone,
      povertyRegistered: r.poverty_registered,
      hospitalId: r.hospital_id,
      hospitalName: r.hospital_name,
      caseId: r.case_id,
      diagnosis: r.diagnosis,
      icd10: r.icd10,
      caseStatus: r.status,
      dueDate: r.due_date!,
      daysOverdue: Math.round((day(today) - day(r.due_date!)) / 86_400_000),
      lastFollowUpDate: r.last_date,
    })),
  };
}

export interface AcknowledgedReport {
  caseId: string;
  reportId: string;
  reportNumber: string | null;
  version: number;
  /** Primary ICD-10 code of the report, or null. */
  diagnosisCode: string | null;
  /** The new treatment plan of that case ('' keeps the current one). */
  plan: string;
  nextDueDate: string | null;
}

/**
 * "One disease, one case file": the acknowledged report's recommendations become the plan of the case the
 * consultation concerns (only that one), with a structured follow-up entry naming the report.
 */
export async function recordReportAcknowledgement(
  trx: Trx,
  actor: Actor,
  a: AcknowledgedReport,
): Promise<void> {
  const now = new Date();
  if (a.plan) await q.setCasePlan(trx, a.caseId, a.plan, now);
  await q.insertFollowUp(trx, {
    id: crypto.randomUUID(),
    case_id: a.caseId,
    kind: 'report_acknowledged',
    follow_up_date: isoDay(now),
    by_user_id: actor.id,
    notes: '',
    next_due_date: a.nextDueDate,
    report_id: a.reportId,
    report_number: a.reportNumber,
    report_version: a.version,
    report_diagnosis: a.diagnosisCode,
  });
}
