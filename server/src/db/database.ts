import type { Kysely, Transaction } from 'kysely';
import type {
  AuditEventTable,
  DepartmentTable,
  HospitalTable,
  NotificationTable,
  PairingTable,
  SessionTable,
  UserTable,
} from './tables';
import type * as consultations from '../consultations/tables';
import type * as imaging from '../imaging/tables';
import type * as rounds from '../rounds/tables';
import type * as reports from '../reports/tables';
import type { ReportTimestampTable } from '../reports/timestamp/tables';
import type * as access from '../access/tables';
import type { AuditCheckpointTable } from '../audit/tables';
import type * as auth from '../auth/tables';
import type * as oauth from '../oauth/tables';
import type { DeploymentKeyTable } from '../secrets/tables';
import type * as signers from '../signers/tables';

/**
 * The whole schema as Kysely sees it. Each capability keeps its table interfaces in its own folder
 * (`<capability>/tables.ts`) and adds them here.
 */
export interface Database {
  hospitals: HospitalTable;
  departments: DepartmentTable;
  pairings: PairingTable;
  users: UserTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
  audit_checkpoint: AuditCheckpointTable;
  login_failures: auth.LoginFailureTable;
  user_totp: auth.UserTotpTable;
  recovery_codes: auth.RecoveryCodeTable;
  trusted_devices: auth.TrustedDeviceTable;
  password_history: auth.PasswordHistoryTable;
  notifications: NotificationTable;
  patients: consultations.PatientTable;
  patient_cases: consultations.PatientCaseTable;
  case_follow_ups: consultations.CaseFollowUpTable;
  consultations: consultations.ConsultationTable;
  consultation_transitions: consultations.ConsultationTransitionTable;
  consultation_messages: consultations.ConsultationMessageTable;
  consultation_attachments: consultations.ConsultationAttachmentTable;
  consultation_studies: consultations.ConsultationStudyTable;
  imaging_patients: imaging.ImagingPatientTable;
  imaging_studies: imaging.ImagingStudyTable;
  imaging_series: imaging.ImagingSeriesTable;
  imaging_instances: imaging.ImagingInstanceTable;
  imaging_annotations: imaging.ImagingAnnotationTable;
  rounds: rounds.RoundTable;
  round_invitees: rounds.RoundInviteeTable;
  round_agenda_items: rounds.RoundAgendaItemTable;
  round_chat_messages: rounds.RoundChatMessageTable;
  round_recordings: rounds.RoundRecordingTable;
  reports: reports.ReportTable;
  report_versions: reports.ReportVersionTable;
  report_timestamps: ReportTimestampTable;
  care_team_members: access.CareTeamMemberTable;
  report_issuers: reports.ReportIssuerTable;
  report_number_sequences: reports.ReportNumberSequenceTable;
  service_clients: oauth.ServiceClientTable;
  service_tokens: oauth.ServiceTokenTable;
  deployment_keys: DeploymentKeyTable;
  signer_keys: signers.SignerKeyTable;
  report_signature_log: reports.ReportSignatureLogTable;
  report_signed_pdfs: reports.ReportSignedPdfTable;
}

export type DB = Kysely<Database>;
/** A query function that must run inside a transaction takes `Trx`; one that may run anywhere takes `Executor`. */
export type Trx = Transaction<Database>;
export type Executor = Kysely<Database> | Transaction<Database>;
