/**
 * Home as a worklist: what needs the signed-in user now, per role (shared/src/schemas/worklist.ts). Reads are
 * audited like every list of patient data; the administrators' view holds aggregates only.
 */
import {
  WORKLIST_SECTION_LIMIT,
  type AdminWorklist,
  type CountyWorklist,
  type RadiologistWorklist,
  type SpecialistWorklist,
  type Worklist,
  type WorklistCase,
  type WorklistFollowUp,
} from '@consult/shared';
import type { DB } from '../db/database';
import { userRole, type Actor } from '../auth/actor';
import { auditRead } from '../consultations/read-audit';
import { listOverdue } from '../patients/follow-ups';
import * as q from './queries';
import { capped } from './section-queries';

export interface WorklistCtx {
  db: DB;
  /** The time zone "today" is counted in (the reports' local time). */
  timeZone: string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/** A section's rows and count (case sections count up to CONSULTATION_COUNT_CAP, then say `totalCapped`). */
function section<R extends { total: number | string }, T>(rows: R[], map: (r: R) => T) {
  return { ...capped(rows.length ? Number(rows[0]!.total) : 0), items: rows.map(map) };
}

const toCase = (r: q.CaseRow): WorklistCase => ({
  consultationId: r.id,
  patientName: r.patient_name,
  povertyRegistered: r.poverty_registered,
  diagnosis: r.diagnosis,
  type: r.type,
  urgency: r.urgency,
  state: r.state,
  counterpartZh: r.counterpart_zh,
  counterpartEn: r.counterpart_en,
  updatedAt: iso(r.updated_at),
  slaDueAt: r.sla_due_at ? iso(r.sla_due_at) : null,
  slaBreached: !!r.sla_breached,
  returnReason: r.return_reason,
  assigneeName: r.assignee_name,
  teamPurpose: (r.team_purpose as WorklistCase['teamPurpose']) ?? null,
  studyCount: Number(r.study_count),
});
const cases = (rows: q.CaseRow[]) => section(rows, toCase);

async function countyWorklist(ctx: WorklistCtx, actor: Actor, now: Date): Promise<CountyWorklist> {
  const { db } = ctx;
  const [drafts, returned, reports, overdue] = await Promise.all([
    q.drafts(db, actor, now),
    q.returned(db, actor, now),
    q.toAcknowledge(db, actor),
    // The patients capability owns "overdue" (and audits that read); the worklist keeps the patients the
    // programme follows closely: poverty-registered or chronically ill.
    listOverdue(db, actor, { limit: 500 }),
  ]);
  const followUps: WorklistFollowUp[] = overdue.items
    .filter((f) => f.povertyRegistered || f.caseStatus === 'chronic')
    .map((f) => ({
      patientId: f.patientId,
      patientName: f.patientName,
      povertyRegistered: f.povertyRegistered,
      chronic: f.caseStatus === 'chronic',
      diagnosis: f.diagnosis,
      dueDate: f.dueDate,
      daysOverdue: Math.max(0, f.daysOverdue),
    }));
  return {
    role: 'county_doctor',
    drafts: cases(drafts),
    returned: cases(returned),
    toAcknowledge: section(reports, (r) => ({
      reportId: r.id,
      consultationId: r.consultation_id,
      reportNumber: r.report_number,
      patientName: r.patient_name,
      povertyRegistered: r.poverty_registered,
      authorName: r.author_name,
      signedAt: iso(r.signed_at),
    })),
    overdueFollowUps: {
      total: followUps.length,
      items: followUps.slice(0, WORKLIST_SECTION_LIMIT),
    },
  };
}

async function specialistWorklist(ctx: WorklistCtx, actor: Actor, now: Date): Promise<SpecialistWorklist> {
  const [triage, mine, rounds] = await Promise.all([
    q.triageQueue(ctx.db, actor, now),
    q.myCases(ctx.db, actor, now),
    q.roundsToday(ctx.db, actor, now, ctx.timeZone),
  ]);
  return {
    role: 'specialist',
    triage: cases(triage),
    mine: cases(mine),
    roundsToday: section(rounds, (r) => ({
      roundId: r.id,
      title: r.title,
      status: r.status,
      scheduledAt: iso(r.scheduled_at),
      hosting: !!r.hosting,
      agendaCount: Number(r.agenda_count),
    })),
  };
}

async function radiologistWorklist(ctx: WorklistCtx, actor: Actor, now: Date): Promise<RadiologistWorklist> {
  return { role: 'radiologist', readings: cases(await q.readings(ctx.db, actor, now)) };
}

async function adminWorklist(
  ctx: WorklistCtx,
  role: AdminWorklist['role'],
  now: Date,
): Promise<AdminWorklist> {
  const [breaches, idle, disabled] = await Promise.all([
    q.slaBreachesByHospital(ctx.db, now),
    q.idlePairings(ctx.db, now),
    q.disabledUsers(ctx.db),
  ]);
  return {
    role,
    slaBreaches: {
      total: breaches.length,
      items: breaches.slice(0, WORKLIST_SECTION_LIMIT).map((b) => ({
        hospitalId: b.id,
        nameZh: b.name_zh,
        nameEn: b.name_en,
        count: Number(b.n),
      })),
    },
    idlePairings: {
      total: idle.length,
      items: idle.slice(0, WORKLIST_SECTION_LIMIT).map((p) => ({
        pairingId: p.id,
        programName: p.program_name,
        tertiaryZh: p.tertiary_zh,
        tertiaryEn: p.tertiary_en,
        countyZh: p.county_zh,
        countyEn: p.county_en,
        lastActivityAt: p.last_activity ? iso(p.last_activity) : null,
      })),
    },
    disabledUsers: disabled,
  };
}

/** The signed-in user's worklist, audited as one read (with the size of each section). */
export async function getWorklist(ctx: WorklistCtx, actor: Actor, now = new Date()): Promise<Worklist> {
  let w: Worklist;
  const role = userRole(actor);
  switch (role) {
    case 'county_doctor':
      w = await countyWorklist(ctx, actor, now);
      break;
    case 'specialist':
      w = await specialistWorklist(ctx, actor, now);
      break;
    case 'radiologist':
      w = await radiologistWorklist(ctx, actor, now);
      break;
    case 'program_admin':
    case 'sys_admin':
      w = await adminWorklist(ctx, role, now);
      break;
  }
  const counts = Object.fromEntries(
    Object.entries(w).flatMap(([k, v]) =>
      v && typeof v === 'object' && 'total' in v ? [[k, (v as { total: number }).total]] : [],
    ),
  );
  auditRead(ctx.db, {
    actor,
    action: 'worklist.read',
    entityType: 'worklist',
    ip: actor.ip,
    detail: counts,
  });
  return w;
}
