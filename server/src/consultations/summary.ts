/** A consultation row as the wire's summary (lists and detail share it). */
import type { ConsultationSummary } from '@consult/shared';
import type { ConsultationRow } from './tables';
import type * as q from './queries';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function slaBreached(
  r: Pick<ConsultationRow, 'sla_due_at' | 'responded_at' | 'state'>,
  now = Date.now(),
): boolean {
  if (!r.sla_due_at) return false;
  const due = r.sla_due_at.getTime();
  if (r.responded_at) return r.responded_at.getTime() > due;
  return (r.state === 'submitted' || r.state === 'triaged') && now > due;
}

export function toSummary(r: q.SummaryRow): ConsultationSummary {
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
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}
