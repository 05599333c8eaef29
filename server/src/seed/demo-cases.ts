import { offlineActor } from '../auth/actor';
import * as patients from '../patients/service';
import { anyPatient } from '../patients/queries';
import { addFollowUp } from '../patients/follow-ups';
import * as consultations from '../consultations/service';
import { postMessage } from '../consultations/thread';
import { DEMO_PATIENTS, type DemoPatient } from './demo-cases.data';
import { seedDemoStudy } from './demo-images';

/**
 * Seed a small demo caseload on the start that seeded the demo network, so every worklist has something in it:
 * patient files, cases with their treatment plan and follow-ups, and consultation requests in several states.
 * Everything goes through the same service functions the API calls, acting as the demo users, so transitions,
 * audit events, notifications and timestamps are the ones the real workflow writes.
 */

export interface DemoCasesResult {
  patients: number;
  consultations: number;
  /** One line per patient: who sees it and in what state. */
  lines: string[];
}

/** ISO date `days` from today (UTC). */
export function dayFromToday(days: number, today = new Date()): string {
  return new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * An 18-character resident ID number with a valid check digit (GB 11643) and sequence code 000, which is never
 * issued: realistic to the validators and the masking, yet nobody's number.
 */
export function demoNationalId(areaCode: string, birthDate: string): string {
  const body = `${areaCode}${birthDate.replaceAll('-', '')}000`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

async function seedPatient(ctx: consultations.ConsultationCtx, d: DemoPatient): Promise<string> {
  const doctor = await offlineActor(ctx.db, { username: d.doctor });
  const file = await patients.createPatient(ctx.db, doctor, {
    ...d.patient,
    nationalId: demoNationalId(d.areaCode, d.patient.birthDate),
  });
  const withCase = await patients.createCase(ctx.db, doctor, file.id, d.case);
  const caseId = withCase.cases[0]!.id;
  for (const f of d.followUps) {
    await addFollowUp(ctx.db, doctor, file.id, caseId, {
      date: dayFromToday(f.day),
      notes: f.notes,
      nextDueDate: dayFromToday(f.nextDueDay),
    });
  }
  const lastDue = d.followUps.at(-1)?.nextDueDay;
  const facts = [`${d.patient.name} ${d.case.diagnosis} (${d.case.icd10})`];
  if (lastDue !== undefined && lastDue < 0) facts.push('follow-up overdue');

  const c = d.consultation;
  if (c) {
    const consultant = await offlineActor(ctx.db, { username: c.consultant });
    const request = await consultations.createConsultation(ctx, doctor, {
      patientId: file.id,
      caseId,
      type: c.type,
      urgency: c.urgency,
      clinicalQuestion: c.clinicalQuestion,
      historySummary: c.historySummary,
      targetHospitalId: consultant.hospitalId!,
      targetDepartmentId: consultant.departmentId,
    });
    let images: string | null = null;
    if (c.study) {
      const { instances } = await seedDemoStudy(
        ctx,
        doctor,
        { caseId, consultationId: request.id },
        {
          name: d.patient.name,
          patientId: `DEMO${d.areaCode}${d.patient.birthDate.replaceAll('-', '')}`,
          sex: d.patient.sex,
          birthDate: d.patient.birthDate,
        },
        c.study,
      );
      images = `${c.study.description} (${instances} images) linked`;
    }
    const move = (body: Parameters<typeof consultations.transitionConsultation>[3]) =>
      consultations.transitionConsultation(ctx, consultant, request.id, body);
    const o = c.outcome;
    if (o.kind === 'submitted') {
      facts.push(`${c.urgency} request waiting in the triage queue (${c.consultant})`);
    } else if (o.kind === 'accepted') {
      await move({ to: 'triaged', assigneeId: consultant.id });
      await move({ to: 'accepted' });
      for (const m of o.thread) {
        await postMessage(ctx, m.by === 'consultant' ? consultant : doctor, request.id, { body: m.body });
      }
      facts.push(`request accepted by ${c.consultant}, ${o.thread.length} messages`);
    } else {
      await move({ to: 'returned_for_information', reason: o.reason });
      facts.push(`request returned for information by ${c.consultant}`);
    }
    if (images) facts.push(images);
  }
  return `  ${d.doctor.padEnd(16)} ${facts.join('; ')}`;
}

/**
 * Seed the caseload into a database whose demo network was just seeded. Does nothing (returns null) when any
 * patient file exists already, so it never doubles a caseload.
 */
export async function seedDemoCases(ctx: consultations.ConsultationCtx): Promise<DemoCasesResult | null> {
  const any = await anyPatient(ctx.db);
  if (any) return null;
  const lines: string[] = [];
  for (const d of DEMO_PATIENTS) lines.push(await seedPatient(ctx, d));
  return {
    patients: DEMO_PATIENTS.length,
    consultations: DEMO_PATIENTS.filter((d) => d.consultation).length,
    lines,
  };
}

export function demoCasesText(r: DemoCasesResult): string {
  return [
    `Demo caseload: ${r.patients} patients, ${r.consultations} consultation requests (SEED_DEMO_CASES=false skips it):`,
    ...r.lines,
  ].join('\n');
}
