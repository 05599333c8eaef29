import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../roles';
import {
  CONSULTATION_STATES,
  checkTransition,
  nextStates,
  type ConsultationState,
} from './consultation.machine';

/**
 * The expected table, written out independently of the implementation: "from > to" → the roles allowed.
 * Every other (from, to) pair must be an invalid transition for every role.
 */
const C: Role[] = ['county_doctor'];
const T: Role[] = ['specialist'];
const S: Role[] = ['specialist', 'radiologist'];
const EXPECTED: Record<string, Role[]> = {
  'draft > submitted': C,
  'draft > cancelled': C,
  'submitted > triaged': T,
  'submitted > declined': T,
  'submitted > returned_for_information': T,
  'submitted > cancelled': C,
  'triaged > accepted': S,
  'triaged > declined': S,
  'triaged > returned_for_information': S,
  'triaged > cancelled': C,
  'returned_for_information > submitted': C,
  'returned_for_information > cancelled': C,
  'accepted > scheduled': S,
  'accepted > in_progress': S,
  'accepted > cancelled': C,
  'scheduled > in_progress': S,
  'scheduled > cancelled': C,
  'in_progress > report_pending': S,
  'report_pending > completed': S,
};

const cases: [ConsultationState, ConsultationState, Role][] = [];
for (const from of CONSULTATION_STATES)
  for (const to of CONSULTATION_STATES) for (const role of ROLES) cases.push([from, to, role]);

describe('consultation state machine', () => {
  it.each(cases)('%s → %s as %s', (from, to, role) => {
    const allowed = EXPECTED[`${from} > ${to}`];
    const res = checkTransition(role, from, to);
    if (!allowed) {
      expect(res).toMatchObject({ ok: false, reason: 'invalid_transition' });
      if (!res.ok) {
        expect(res.message).toContain(from);
        expect(res.message).toContain(to);
      }
    } else if (allowed.includes(role)) {
      expect(res.ok).toBe(true);
    } else {
      expect(res).toMatchObject({ ok: false, reason: 'forbidden' });
    }
  });

  it('offers no way out of completed, declined or cancelled', () => {
    for (const s of ['completed', 'declined', 'cancelled'] as const) {
      for (const role of ROLES) expect(nextStates(role, s)).toEqual([]);
    }
  });

  it('never lets admin roles move a request', () => {
    for (const s of CONSULTATION_STATES) {
      expect(nextStates('program_admin', s)).toEqual([]);
      expect(nextStates('sys_admin', s)).toEqual([]);
    }
  });

  it('needs a reason to decline or return and an assignee to triage', () => {
    const r = (from: ConsultationState, to: ConsultationState) => {
      const c = checkTransition(from === 'submitted' ? 'specialist' : 'radiologist', from, to);
      return c.ok ? c.rule.needs : 'x';
    };
    expect(r('submitted', 'declined')).toBe('reason');
    expect(r('triaged', 'returned_for_information')).toBe('reason');
    expect(r('submitted', 'triaged')).toBe('assignee');
    expect(r('triaged', 'accepted')).toBeUndefined();
  });
});
