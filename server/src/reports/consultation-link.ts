/**
 * The report's hooks into the consultation lifecycle and the patient's case plan. State changes go through the
 * consultations capability (`applyTransition`: shared machine, side checks, transition log, audit; then
 * `publishChange` after commit).
 */
import { checkTransition, type ConsultationState } from '@consult/shared';
import type { Config } from '../config';
import type { DB, Trx } from '../db/database';
import { userRole, type Actor } from '../auth/actor';
import type { IoServer } from '../realtime/plugin';
import { applyTransition, completeByRequester } from '../consultations/service';
import { publishChange, type ChangeEffect } from '../consultations/publish';
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
 * The requester's acknowledgement completes the consultation: through the shared machine when the acting role may
 * take report_pending → completed, else through the consultations capability's requester-side completion
 * (`completeByRequester`). Either way the row is locked, the transition logged and audited.
 */
export async function completeOnAcknowledgement(
  trx: Trx,
  config: Config,
  actor: Actor,
  c: ConsultationFacts,
  note: string,
): Promise<ChangeEffect> {
  const effect = checkTransition(userRole(actor), 'report_pending', 'completed').ok
    ? await applyTransition(trx, config, actor, c.id, { to: 'completed', reason: note })
    : await completeByRequester(trx, actor, c.id, note, 'report.acknowledge');
  c.state = 'completed';
  return effect;
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
