import type { ColumnType, Generated, Selectable } from 'kysely';
import type { RecordingStatus, RoundKind, RoundStatus } from '@consult/shared';
import type { GeneratedTimestamp, Timestamp } from '../db/tables';

export interface RoundTable {
  id: string;
  title: string;
  kind: RoundKind;
  status: Generated<RoundStatus>;
  scheduled_at: Timestamp;
  duration_minutes: Generated<number>;
  host_id: string;
  /** The host's hospital: the round belongs to it. */
  hospital_id: string;
  current_agenda_item_id: string | null;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  created_at: GeneratedTimestamp;
}

export interface RoundInviteeTable {
  round_id: string;
  user_id: string;
}

export interface RoundAgendaItemTable {
  id: string;
  round_id: string;
  position: number;
  title: string;
  consultation_id: string | null;
  presenter_id: string | null;
}

export interface RoundChatMessageTable {
  id: string;
  round_id: string;
  user_id: string;
  text: string;
  created_at: GeneratedTimestamp;
}

export interface RoundRecordingTable {
  id: string;
  round_id: string;
  status: RecordingStatus;
  file_name: string;
  mime_type: string;
  /** bigint: pg returns it as a string. */
  size_bytes: ColumnType<string | number, number | undefined, number>;
  started_by: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
}

export type RoundRow = Selectable<RoundTable>;
export type AgendaRow = Selectable<RoundAgendaItemTable>;
export type RecordingRow = Selectable<RoundRecordingTable>;
