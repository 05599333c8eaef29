import type { Role } from '../roles';

/**
 * The consultation request lifecycle, defined once and used by server (enforcement, inside the transaction that
 * locks the row) and client (which buttons to show).
 *
 * draft → submitted → triaged (assigned) → accepted → [scheduled] → in_progress → report_pending → completed
 * plus declined (reason), returned_for_information (county edits and resubmits) and cancelled.
 */
export const CONSULTATION_STATES = [
  'draft',
  'submitted',
  'triaged',
  'accepted',
  'scheduled',
  'in_progress',
  'report_pending',
  'completed',
  'declined',
  'returned_for_information',
  'cancelled',
] as const;
export type ConsultationState = (typeof CONSULTATION_STATES)[number];

export const TERMINAL_STATES: readonly ConsultationState[] = ['completed', 'declined', 'cancelled'];

/**
 * Which side of the request may take a transition:
 * - `requester`: a county doctor of the requesting hospital;
 * - `triage`: a specialist of the target hospital (holds consultations:triage);
 * - `consultant`: a specialist/radiologist of the target hospital (any one while the request waits in the queue,
 *   only the assignee once it is accepted).
 */
export type TransitionSide = 'requester' | 'triage' | 'consultant';

export interface TransitionRule {
  from: ConsultationState;
  to: ConsultationState;
  side: TransitionSide;
  /** Roles that may take it (before hospital/assignee checks). */
  roles: readonly Role[];
  /** The body must carry a reason (declined, returned) or an assignee (triaged). */
  needs?: 'reason' | 'assignee';
}

const COUNTY: readonly Role[] = ['county_doctor'];
const TRIAGE: readonly Role[] = ['specialist'];
const CONSULTANT: readonly Role[] = ['specialist', 'radiologist'];

const r = (
  from: ConsultationState,
  to: ConsultationState,
  side: TransitionSide,
  needs?: TransitionRule['needs'],
): TransitionRule => ({
  from,
  to,
  side,
  roles: side === 'requester' ? COUNTY : side === 'triage' ? TRIAGE : CONSULTANT,
  ...(needs ? { needs } : {}),
});

/** The complete table: anything not listed is an invalid transition (409). */
export const CONSULTATION_TRANSITIONS: readonly TransitionRule[] = [
  r('draft', 'submitted', 'requester'),
  r('draft', 'cancelled', 'requester'),
  r('submitted', 'triaged', 'triage', 'assignee'),
  r('submitted', 'declined', 'triage', 'reason'),
  r('submitted', 'returned_for_information', 'triage', 'reason'),
  r('submitted', 'cancelled', 'requester'),
  r('triaged', 'accepted', 'consultant'),
  r('triaged', 'declined', 'consultant', 'reason'),
  r('triaged', 'returned_for_information', 'consultant', 'reason'),
  r('triaged', 'cancelled', 'requester'),
  r('returned_for_information', 'submitted', 'requester'),
  r('returned_for_information', 'cancelled', 'requester'),
  r('accepted', 'scheduled', 'consultant'),
  r('accepted', 'in_progress', 'consultant'),
  r('accepted', 'cancelled', 'requester'),
  r('scheduled', 'in_progress', 'consultant'),
  r('scheduled', 'cancelled', 'requester'),
  r('in_progress', 'report_pending', 'consultant'),
  r('report_pending', 'completed', 'consultant'),
];

export function findTransition(from: ConsultationState, to: ConsultationState): TransitionRule | undefined {
  return CONSULTATION_TRANSITIONS.find((t) => t.from === from && t.to === to);
}

export type TransitionCheck =
  | { ok: true; rule: TransitionRule }
  | { ok: false; reason: 'invalid_transition' | 'forbidden'; message: string };

/** Is `from → to` a transition at all (else invalid_transition), and may `role` take it (else forbidden)? */
export function checkTransition(role: Role, from: ConsultationState, to: ConsultationState): TransitionCheck {
  const rule = findTransition(from, to);
  if (!rule) {
    return { ok: false, reason: 'invalid_transition', message: `cannot go from ${from} to ${to}` };
  }
  if (!rule.roles.includes(role)) {
    return {
      ok: false,
      reason: 'forbidden',
      message: `a ${role} may not move a request from ${from} to ${to}`,
    };
  }
  return { ok: true, rule };
}

/** The transitions a role could take from a state (the client shows these as buttons). */
export function nextStates(role: Role, from: ConsultationState): TransitionRule[] {
  return CONSULTATION_TRANSITIONS.filter((t) => t.from === from && t.roles.includes(role));
}

/** States in which the request waits in the target hospital's triage queue (visible to its clinicians). */
export const QUEUE_STATES: readonly ConsultationState[] = ['submitted', 'triaged'];
/** States in which the response SLA clock runs (until accepted, declined or returned). */
export const SLA_RUNNING_STATES: readonly ConsultationState[] = ['submitted', 'triaged'];
