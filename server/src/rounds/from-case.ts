/**
 * Rounds from the case: the agenda picker's cases (those the organiser may present, the access policy's
 * `case:present`), and "Schedule a round" prefilled from one case — its title (patient · question), the case on
 * the agenda and its care team (the access policy's team) as invitees. The organiser adjusts before creating.
 */
import {
  can,
  Permission,
  type ConsultationState,
  type PresentableCase,
  type PresentableQuery,
  type RoundDraft,
  type RoundPerson,
} from '@consult/shared';
import type { DB, Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import type { Config } from '../config';
import { assertCase } from '../access/policy';
import { getTeam } from '../access/team';
import { pairedHospitalIds } from '../network/queries';
import { allowedTransitions, applyTransition } from '../consultations/transitions';
import type { ChangeEffect } from '../consultations/publish';
import { badRequest, conflict } from '../errors';
import * as q from './queries';
import { toPerson } from './service';

/** The title of a case on an agenda (and of a one-case round): the patient and the question, never an id. */
export function caseTitle(patientName: string, question: string): string {
  const flat = question.replace(/\s+/g, ' ').trim();
  const short = [...flat].length > 80 ? `${[...flat].slice(0, 79).join('')}…` : flat;
  return short ? `${patientName} · ${short}` : patientName;
}

type CaseRow = Awaited<ReturnType<typeof q.presentableCases>>[number];
const toCase = (r: CaseRow): PresentableCase => ({
  consultationId: r.id,
  patientName: r.patient_name,
  question: r.clinical_question,
  state: r.state,
  requestingHospitalNameZh: r.name_zh,
  requestingHospitalNameEn: r.name_en,
  updatedAt: r.updated_at.toISOString(),
  title: caseTitle(r.patient_name, r.clinical_question),
});

export async function presentableCases(
  db: DB,
  actor: Actor,
  query: PresentableQuery,
): Promise<PresentableCase[]> {
  const text = query.q?.trim();
  return (await q.presentableCases(db, actor, text ? { text } : {})).map(toCase);
}

/** Who the host may invite at all: active clinicians of the host's hospital and its paired hospitals. */
export async function invitableHospitals(db: Executor, actor: Actor): Promise<Set<string>> {
  if (!actor.hospitalId) return new Set();
  return new Set([actor.hospitalId, ...(await pairedHospitalIds(db, actor.hospitalId))]);
}

export async function roundDraft(db: DB, actor: Actor, consultationId: string): Promise<RoundDraft> {
  const { facts, relations } = await assertCase(db, actor, consultationId, 'case:present');
  const [row] = await q.presentableCases(db, actor, { ids: [consultationId] });
  if (!row) throw conflict(`a request that is ${facts.state} cannot be presented in a round`);
  const team = await getTeam(db, actor, consultationId);
  const hospitals = await invitableHospitals(db, actor);
  const rows = await q.people(
    db,
    team.members.map((m) => m.userId).filter((id) => id !== actor.id),
  );
  const invitees: RoundPerson[] = rows
    .filter((u) => !u.disabled && can(u.role, Permission.RoundsJoin) && hospitals.has(u.hospital_id ?? ''))
    .map(toPerson);
  const c = toCase(row);
  return {
    title: c.title,
    kind: 'ward_round',
    durationMinutes: 60,
    case: c,
    invitees,
    schedulesCase: allowedTransitions(actor, { state: facts.state as ConsultationState }, relations).includes(
      'scheduled',
    ),
  };
}

/**
 * Inside the round's creation: the case it was scheduled from moves accepted → scheduled (the consultations
 * capability's own transition, with its checks and audit). Already past acceptance: nothing to move.
 */
export async function scheduleCase(
  trx: Trx,
  config: Config,
  actor: Actor,
  consultationId: string,
  agendaCases: string[],
): Promise<ChangeEffect | null> {
  if (!agendaCases.includes(consultationId))
    throw badRequest('the case the round is scheduled from must be on its agenda', 'scheduleCase');
  const [row] = await q.presentableCases(trx, actor, { ids: [consultationId] });
  if (row?.state !== 'accepted') return null;
  return applyTransition(trx, config, actor, consultationId, { to: 'scheduled' });
}
