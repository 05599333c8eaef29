/**
 * The report's hooks into the consultation lifecycle and the patient's case plan. State changes go through the
 * consultations capability (`applyTransition`: shared machine, side checks, transition log, audit; then
 * `publishChange` after commit).
 */
import crypto from 'node:crypto';
import { checkTransition, type ConsultationState } from '@consult/shared';
import type { Config } from '../config';
import type { DB, Trx } from '../db/database';
import { userRole, type Actor } from '../auth/actor';
import type { IoServer } from '../realtime/plugin';
import { recordAudit } from '../audit/service';
import { DomainError } from '../errors';
import { applyTransition } from '../consultations/service';
import { publishChange, type ChangeEffect } from '../consultations/publish';
import * as cq from '../consultations/queries';
import type { ConsultationFacts } from './queries';
import type { SignedPayload } from './payload';
import { recordReportAcknowledgement } from '../patients/follow-ups';

/**
 * Signing moves the consultation to report_pending (via in_progress when it was accepted/scheduled), as the
 * signer, through the consultations service. Returns the effects to publish after commit.
 */
export async function toReportPending(
  trx: Trx,
  config: Config,
  actor: Actor,
  c: ConsultationFacts,
  note: string,
): Promise<ChangeEffect[]> {
  const steps: ConsultationState[] =
    c.state === 'accepted' || c.state === 'scheduled'
      ? ['in_progress', 'report_pending']
      : c.state === 'in_progress'
        ? ['report_pending']
        : [];
  const effects: ChangeEffect[] = [];
  for (const to of steps) effects.push(await applyTransition(trx, config, actor, c.id, { to, reason: note }));
  if (steps.length) c.state = 'report_pending';
  return effects;
}

/**
 * The requester's acknowledgement completes the consultation. The shared machine lists report_pending → completed
 * for the consultant side only, so when the acting role may not take it there, this records the completion itself,
 * mirroring applyTransition (locked row, conditional update, transition log, audit) — see the report notes.
 */
export async function completeOnAcknowledgement(
  trx: Trx,
  config: Config,
  actor: Actor,
  c: ConsultationFacts,
  note: string,
): Promise<ChangeEffect> {
  if (checkTransition(userRole(actor), 'report_pending', 'completed').ok) {
    return applyTransition(trx, config, actor, c.id, { to: 'completed', reason: note });
  }
  const before = await cq.lockForUpdate(trx, c.id);
  if (!before || before.state !== 'report_pending') {
    throw new DomainError(
      'invalid_transition',
      `invalid transition: the request is ${before?.state ?? 'gone'}, cannot move to completed`,
    );
  }
  if (actor.hospitalId !== before.requesting_hospital_id)
    throw new DomainError('forbidden', 'only the requesting hospital acknowledges a report');
  const now = new Date();
  // The row is locked and report_pending (checked above), so the conditional update always finds it.
  const after = await cq.setState(trx, c.id, 'report_pending', 'completed', now, { completed_at: now });
  if (!after) throw new Error(`consultation ${c.id} left report_pending under its lock`);
  await cq.insertTransition(trx, {
    id: crypto.randomUUID(),
    consultation_id: c.id,
    from_state: 'report_pending',
    to_state: 'completed',
    actor_id: actor.id,
    actor_role: userRole(actor),
    note,
    at: now,
  });
  await recordAudit(trx, {
    actor,
    action: 'consultation.transition',
    entityType: 'consultation',
    entityId: c.id,
    ip: actor.ip,
    detail: { from: 'report_pending', to: 'completed', via: 'report.acknowledge' },
  });
  c.state = 'completed';
  return { before, after, actorId: actor.id };
}

export async function publishEffects(
  db: DB,
  io: IoServer,
  config: Config,
  effects: ChangeEffect[],
): Promise<void> {
  for (const e of effects) await publishChange({ db, io, config }, e);
}

const addDays = (d: Date, days: number) =>
  new Date(d.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * "One disease, one case file": the acknowledged recommendations become the treatment plan of the case this
 * consultation concerns (never another case of the patient) and, through the patients service, a structured
 * follow-up entry naming the report, whose next due date the county worklist watches. Returns that date.
 */
export async function writeCasePlan(
  trx: Trx,
  actor: Actor,
  c: ConsultationFacts,
  p: SignedPayload,
  reportNumber: string | null,
): Promise<string | null> {
  const rec = p.content.recommendations;
  // The plan is read at the county hospital, whose working language is Chinese (the clinician's words stay as
  // written; only the referral label is ours).
  const plan = [rec.treatmentPlan.trim(), rec.referral ? `建议转诊：${rec.referralNote.trim()}` : '']
    .filter(Boolean)
    .join('\n');
  const next = rec.followUpIntervalDays ? addDays(new Date(), rec.followUpIntervalDays) : null;
  const primary = p.content.diagnoses.find((d) => d.primary) ?? p.content.diagnoses[0];
  await recordReportAcknowledgement(trx, actor, {
    caseId: c.case_id,
    reportId: p.reportId,
    reportNumber,
    version: p.version,
    diagnosisCode: primary?.code ?? null,
    plan,
    nextDueDate: next,
  });
  return next;
}
