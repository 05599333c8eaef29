import type { Generated, Selectable } from 'kysely';
import type { GeneratedTimestamp, Timestamp } from '../../db/tables';

export type TimestampStatus = 'pending' | 'granted' | 'failed';

/** RFC 3161 token of one signed report version (migration 2026_12_03_1520_report_timestamps). */
export interface ReportTimestampTable {
  report_id: string;
  version: number;
  status: TimestampStatus;
  tsa_url: string;
  /** DER TimeStampToken over the version's signature bytes (granted only). */
  token: Uint8Array | null;
  gen_time: Timestamp | null;
  tsa_subject: string | null;
  attempts: Generated<number>;
  next_attempt_at: GeneratedTimestamp;
  last_error: string | null;
  updated_at: GeneratedTimestamp;
}

export type ReportTimestampRow = Selectable<ReportTimestampTable>;
