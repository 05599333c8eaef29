import crypto from 'node:crypto';
import {
  checkTransition,
  nextStates,
  TRANSITION_SIDE_RELATIONS,
  type CaseRelation,
  type ConsultationState,
  type TransitionBody,
  type TransitionRule,
} from '@consult/shared';
import type { Config } from '../config';
import type { Trx } from '../db/database';
import { userRole, type Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../errors';
import type { ConsultationRow } from './tables';
import * as q from './queries';
import { keepOnTeam } from '../access/team';
import { standing } from '../access/policy';
import type { ChangeEffect } from './publish';

/** The side half of a transition check (the role half is the shared machine): the access policy's relations. */
export function sideAllows(relations: readonly CaseRelation[], rule: TransitionRule): boolean {
  return TRANSITION_SIDE_RELATIONS[rule.side].some((r) => relations.includes(r));
}

export function allowedTransitions(
  actor: Actor,
  c: Pick<ConsultationRow, 'state'>,
  relations: readonly CaseRelation[],
): ConsultationState[] {
  return nextStates(userRole(actor), c.state)
    .filter((rule) => sideAllows(relations, rule))
    .map((r) => r.to);
}

/**
 * Take one transition inside the caller's transaction: lock the row (SELECT ... FOR UPDATE), check the shared
 * machine (409 naming current and attempted state) and the side (requester / target hospital / assignee, 403),
 * update it conditionally on the state read, record the transition and the audit entry. Returns what to publish
 * AFTER commit with `publishChange`. Exported for other capabilities (reports: report_pending → completed).
 */
export async function applyTransition(
  trx: Trx,
  config: Config,
  actor: Actor,
  id: string,
  body: TransitionBody,
): Promise<ChangeEffect> {
  const before = await q.lockForUpdate(trx, id);
  if (!before) throw notFound('consultation');
  const check = checkTransition(userRole(actor), before.state, body.to);
  if (!check.ok) {
    if (check.reason === 'forbidden') throw forbidden(check.message);
    throw new DomainError(
      'invalid_transition',
      `invalid transition: the request is ${before.state}, cannot move to ${body.to}`,
    );
  }
  if (!sideAllows((await standing(trx, actor, id))?.relations ?? [], check.rule)) {
    throw forbidden(
      check.rule.side === 'requester'
        ? 'only the requesting hospital may do this'
        : 'only the consulting side (assignee) may do this',
    );
  }
  if (body.version !== undefined && body.version !== before.version) {
    throw conflict(
      `the request changed meanwhile (version ${before.version}, you saw ${body.version}); reload`,
    );
  }
  if (check.rule.needs === 'reason' && !body.reason?.trim())
    throw badRequest(`moving to ${body.to} needs a reason`, '/body/reason');
  let assignee: string | null = before.assigned_to;
  if (check.rule.needs === 'assignee') {
    if (!body.assigneeId) throw badRequest('triage needs an assignee', '/body/assigneeId');
    const u = await q.assignableUser(trx, body.assigneeId, before.target_hospital_id);
    if (!u)
      throw badRequest(
        'the assignee must be a specialist or radiologist of the target hospital',
        '/body/assigneeId',
      );
    assignee = u.id;
  }
  const now = new Date();
  const to = body.to;
  const responded = to === 'accepted' || to === 'declined' || to === 'returned_for_information';
  const slaMs = config.consultations.slaHours[before.urgency] * 3600_000;
  const res = await q.setState(trx, id, before.state, to, now, {
    // accepted: the acceptor owns it; declined/returned: the responder keeps it in view; resubmitted: back to the queue
    assigned_to:
      to === 'accepted'
        ? actor.id
        : responded
          ? (assignee ?? actor.id)
          : to === 'submitted'
            ? null
            : assignee,
    ...(to === 'submitted' && {
      submitted_at: now,
      sla_due_at: new Date(now.getTime() + slaMs),
      responded_at: null,
      sla_warned_at: null,
      return_reason: null,
    }),
    ...(responded && { responded_at: before.responded_at ?? now }),
    ...(to === 'accepted' && { accepted_at: now }),
    ...(to === 'declined' && { decline_reason: body.reason ?? null }),
    ...(to === 'returned_for_information' && { return_reason: body.reason ?? null }),
    ...(to === 'completed' && { completed_at: now }),
  });
  if (!res)
    throw new DomainError(
      'invalid_transition',
      `invalid transition: the request changed meanwhile, cannot move to ${to}`,
    );
  await logTransition(trx, actor, id, { from: before.state, to, note: body.reason ?? null, at: now });
  // The triager who hands the case to a colleague keeps it only by staying on the care team.
  if (to === 'triaged' && body.keepOnTeam && assignee !== actor.id) await keepOnTeam(trx, actor, id);
  return { before, after: res, actorId: actor.id };
}

/**
 * The requesting hospital completes a request whose report it acknowledged. The shared machine lists
 * report_pending → completed for the consultant side only, so this is the requester's own way there, mirroring
 * applyTransition (locked row, conditional update, transition log, audit naming `via`).
 */
export async function completeByRequester(
  trx: Trx,
  actor: Actor,
  id: string,
  note: string,
  via: string,
): Promise<ChangeEffect> {
  const before = await q.lockForUpdate(trx, id);
  if (!before || before.state !== 'report_pending') {
    throw new DomainError(
      'invalid_transition',
      `invalid transition: the request is ${before?.state ?? 'gone'}, cannot move to completed`,
    );
  }
  if (actor.hospitalId !== before.requesting_hospital_id)
    throw forbidden('only the requesting hospital acknowledges a report');
  const now = new Date();
  // The row is locked and report_pending (checked above), so the conditional update always finds it.
  const after = await q.setState(trx, id, 'report_pending', 'completed', now, { completed_at: now });
  if (!after) throw new Error(`consultation ${id} left report_pending under its lock`);
  await logTransition(trx, actor, id, { from: 'report_pending', to: 'completed', note, at: now, via });
  return { before, after, actorId: actor.id };
}

/** A transition's row in the consultation's transition log and its audit record (`via`: the route it came by). */
async function logTransition(
  trx: Trx,
  actor: Actor,
  id: string,
  t: { from: ConsultationState; to: ConsultationState; note: string | null; at: Date; via?: string },
): Promise<void> {
  await q.insertTransition(trx, {
    id: crypto.randomUUID(),
    consultation_id: id,
    from_state: t.from,
    to_state: t.to,
    actor_id: actor.id,
    actor_role: userRole(actor),
    note: t.note,
    at: t.at,
  });
  await recordAudit(trx, {
    actor,
    action: 'consultation.transition',
    entityType: 'consultation',
    entityId: id,
    ip: actor.ip,
    detail: { from: t.from, to: t.to, ...(t.via && { via: t.via }) },
  });
}
