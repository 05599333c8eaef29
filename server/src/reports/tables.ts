import type { Generated, Selectable } from 'kysely';
import type { ReportStatus } from '@consult/shared';
import type { DateCol, GeneratedTimestamp, Timestamp } from '../db/tables';

export interface ReportTable {
  id: string;
  consultation_id: string;
  author_id: string;
  status: ReportStatus;
  /** JSON of ReportContent while a draft (or an amendment) is open; null once signed. */
  draft_content: string | null;
  /** Optimistic-concurrency token of the draft; every save bumps it. */
  draft_revision: Generated<number>;
  draft_updated_at: GeneratedTimestamp;
  draft_updated_by: string;
  amendment_reason: string | null;
  current_version: Generated<number>;
  first_signed_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  next_follow_up_date: DateCol | null;
  created_at: GeneratedTimestamp;
}

/** Signed versions: never updated or deleted by the application. */
export interface ReportVersionTable {
  report_id: string;
  version: number;
  payload: string;
  signature: string;
  key_fingerprint: string;
  signed_by: string;
  signed_at: Timestamp;
}

export type ReportRow = Selectable<ReportTable>;
export type ReportVersionRow = Selectable<ReportVersionTable>;
