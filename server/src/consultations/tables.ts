import type {
  ConsultationState,
  ConsultationType,
  Urgency,
  CaseStatus,
  InsuranceType,
  Sex,
  Role,
  Adherence,
  FollowUpKind,
} from '@consult/shared';
import type { Selectable } from 'kysely';
import type { DateCol, GeneratedTimestamp, Timestamp } from '../db/tables';
import type { Generated } from 'kysely';

export interface PatientTable {
  id: string;
  hospital_id: string;
  name: string;
  sex: Sex;
  birth_date: DateCol;
  national_id: string | null;
  phone: string | null;
  address: string | null;
  village: string | null;
  poverty_registered: Generated<boolean>;
  insurance_type: Generated<InsuranceType>;
  /** 2026_12_03_0400_follow_ups */
  record_number: Generated<string | null>;
  created_by: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface PatientCaseTable {
  id: string;
  patient_id: string;
  diagnosis: string;
  icd10: string;
  status: CaseStatus;
  treatment_plan: Generated<string>;
  created_by: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface CaseFollowUpTable {
  id: string;
  case_id: string;
  follow_up_date: DateCol;
  by_user_id: string;
  notes: string;
  next_due_date: DateCol | null;
  created_at: GeneratedTimestamp;
  // Structured entry (2026_12_03_0400_follow_ups; written by patients/service.ts).
  kind: Generated<FollowUpKind>;
  systolic: number | null;
  diastolic: number | null;
  glucose: number | null;
  weight: number | null;
  symptoms: Generated<string>;
  adherence: Adherence | null;
  report_id: string | null;
  report_number: string | null;
  report_version: number | null;
  report_diagnosis: string | null;
}

export interface ConsultationTable {
  id: string;
  patient_id: string;
  case_id: string;
  requesting_hospital_id: string;
  requester_id: string;
  target_hospital_id: string;
  target_department_id: string | null;
  type: ConsultationType;
  urgency: Urgency;
  state: ConsultationState;
  clinical_question: string;
  history_summary: Generated<string>;
  assigned_to: string | null;
  decline_reason: string | null;
  return_reason: string | null;
  submitted_at: Timestamp | null;
  /** submitted_at + the urgency's SLA; reset on resubmission. */
  sla_due_at: Timestamp | null;
  /** First response (accepted, declined or returned) after the latest submission. */
  responded_at: Timestamp | null;
  accepted_at: Timestamp | null;
  completed_at: Timestamp | null;
  sla_warned_at: Timestamp | null;
  /** The requesting hospital's consent to show the case in teaching rounds to doctors outside its care team. */
  shared_for_teaching: Generated<boolean>;
  version: Generated<number>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ConsultationTransitionTable {
  id: string;
  consultation_id: string;
  from_state: ConsultationState | null;
  to_state: ConsultationState;
  actor_id: string;
  actor_role: Role;
  note: string | null;
  at: GeneratedTimestamp;
}

export interface ConsultationMessageTable {
  id: string;
  consultation_id: string;
  author_id: string;
  body: string;
  created_at: GeneratedTimestamp;
}

export interface ConsultationAttachmentTable {
  id: string;
  consultation_id: string;
  message_id: string | null;
  uploaded_by: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  /** Relative to DATA_DIR/attachments. */
  storage_key: string;
  created_at: GeneratedTimestamp;
}

/** A DICOM study linked to a consultation (imaging grants access through this). */
export interface ConsultationStudyTable {
  consultation_id: string;
  study_instance_uid: string;
  linked_by: string;
  linked_at: GeneratedTimestamp;
}

export type PatientRow = Selectable<PatientTable>;
export type PatientCaseRow = Selectable<PatientCaseTable>;
export type CaseFollowUpRow = Selectable<CaseFollowUpTable>;
export type ConsultationRow = Selectable<ConsultationTable>;
export type ConsultationTransitionRow = Selectable<ConsultationTransitionTable>;
export type ConsultationMessageRow = Selectable<ConsultationMessageTable>;
export type ConsultationAttachmentRow = Selectable<ConsultationAttachmentTable>;
export type ConsultationStudyRow = Selectable<ConsultationStudyTable>;
