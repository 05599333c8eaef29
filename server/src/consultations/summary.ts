/**
 * A consultation row as the wire's summary (lists and detail share it). Timestamps come as Dates (the detail) or
 * as ISO strings formatted by the database (the list: list-queries.ts `ISO_MS`, the exact text of
 * `Date#toISOString`, so the list skips parsing and re-formatting hundreds of timestamps per page).
 */
import type { ConsultationSummary } from '@consult/shared';
import type { ConsultationRow } from './tables';
import type * as q from './queries';

type Ts = Date | string;
type Time =
  | 'submitted_at'
  | 'sla_due_at'
  | 'responded_at'
  | 'accepted_at'
  | 'completed_at'
  | 'created_at'
  | 'updated_at';
/** What a summary is made of: the summary row, its timestamps as Dates or ISO strings, no long texts needed. */
export type SummaryInput = Omit<
  q.SummaryRow,
  Time | 'history_summary' | 'decline_reason' | 'return_reason'
> & { [K in Time]: K extends 'created_at' | 'updated_at' ? Ts : Ts | null };

const iso = (d: Ts | null) => (d === null ? null : typeof d === 'string' ? d : d.toISOString());
const ms = (d: Ts) => (typeof d === 'string' ? Date.parse(d) : d.getTime());

export function slaBreached(
  r: Pick<ConsultationRow, 'state'> & { sla_due_at: Ts | null; responded_at: Ts | null },
  now = Date.now(),
): boolean {
  if (!r.sla_due_at) return false;
  const due = ms(r.sla_due_at);
  if (r.responded_at) return ms(r.responded_at) > due;
  return (r.state === 'submitted' || r.state === 'triaged') && now > due;
}

export function toSummary(r: SummaryInput): ConsultationSummary {
  return {
    id: r.id,
    type: r.type,
    urgency: r.urgency,
    state: r.state,
    patient: { id: r.patient_id, name: r.patient_name, povertyRegistered: r.poverty_registered },
    caseId: r.case_id,
    diagnosis: r.diagnosis,
    icd10: r.icd10,
    requestingHospital: {
      id: r.requesting_hospital_id,
      nameZh: r.requesting_name_zh,
      nameEn: r.requesting_name_en,
    },
    targetHospital: { id: r.target_hospital_id, nameZh: r.target_name_zh, nameEn: r.target_name_en },
    targetDepartmentId: r.target_department_id,
    requester: { id: r.requester_id, displayName: r.requester_name },
    assignee: r.assigned_to ? { id: r.assigned_to, displayName: r.assignee_name ?? '' } : null,
    clinicalQuestion: r.clinical_question,
    submittedAt: iso(r.submitted_at),
    slaDueAt: iso(r.sla_due_at),
    slaBreached: slaBreached(r),
    acceptedAt: iso(r.accepted_at),
    completedAt: iso(r.completed_at),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    version: r.version,
  };
}
