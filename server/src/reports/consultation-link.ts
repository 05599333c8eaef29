/**
 * The report's hooks into the consultation lifecycle and the patient's case plan.
 */
import crypto from 'node:crypto';
import type { ConsultationState } from '@consult/shared';
import { checkTransition } from '@consult/shared';
import type { Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { DomainError } from '../errors';
import type { ConsultationFacts } from './queries';
import type { SignedPayload } from './payload';

/** Move the locked consultation `c` to `to`, checked against the shared state machine, logged as a transition. */
export async function advanceConsultation(
  trx: Trx,
  actor: Actor,
  c: ConsultationFacts,
  to: Extract<ConsultationState, 'report_pending' | 'completed'>,
  note: string,
): Promise<void> {
  const from = c.state as ConsultationState;
  const path: ConsultationState[] = from === 'accepted' || from === 'scheduled' ? ['in_progress', to] : [to];
  let cur = from;
  for (const next of path) {
    const check = checkTransition(actor.role, cur, next);
    // The requester's acknowledgement completes the consultation (the table lists the consultant side only).
    const ackByRequester = next === 'completed' && cur === 'report_pending' && actor.id === c.requester_id;
    if (!check.ok && !ackByRequester) throw new DomainError(check.reason, check.message);
    const now = new Date();
    await trx
      .updateTable('consultations')
      .set((eb) => ({
        state: next,
        updated_at: now,
        version: eb('version', '+', 1),
        ...(next === 'completed' ? { completed_at: now } : {}),
      }))
      .where('id', '=', c.id)
      .execute();
    await trx
      .insertInto('consultation_transitions')
      .values({ id: crypto.randomUUID(), consultation_id: c.id, from_state: cur, to_state: next, actor_id: actor.id, actor_role: actor.role, note })
      .execute();
    cur = next;
  }
  c.state = cur;
}

const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * "One disease, one case file": the acknowledged recommendations become the case's treatment plan and, with a
 * follow-up interval, a follow-up entry whose next due date the county worklist watches. Returns that date.
 */
export async function writeCasePlan(trx: Trx, actor: Actor, c: ConsultationFacts, p: SignedPayload): Promise<string | null> {
  const rec = p.content.recommendations;
  const plan = [rec.treatmentPlan.trim(), rec.referral ? `Referral: ${rec.referralNote.trim()}`.trim() : '']
    .filter(Boolean)
    .join('\n');
  const now = new Date();
  if (plan) {
    await trx.updateTable('patient_cases').set({ treatment_plan: plan, updated_at: now }).where('id', '=', c.case_id).execute();
  }
  const next = rec.followUpIntervalDays ? addDays(now, rec.followUpIntervalDays) : null;
  const primary = p.content.diagnoses.find((d) => d.primary) ?? p.content.diagnoses[0];
  await trx
    .insertInto('case_follow_ups')
    .values({
      id: crypto.randomUUID(),
      case_id: c.case_id,
      follow_up_date: now.toISOString().slice(0, 10),
      by_user_id: actor.id,
      notes: `Remote diagnosis report v${p.version} acknowledged${primary ? ` (${primary.code} ${primary.titleZh})` : ''}`,
      next_due_date: next,
    })
    .execute();
  return next;
}
