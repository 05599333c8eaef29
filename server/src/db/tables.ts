import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { HospitalTier, Locale, Role } from '@consult/shared';

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** date: read back as 'YYYY-MM-DD' text (we select with ::text casts where needed). */
export type DateCol = ColumnType<string, string, string>;
/** timestamptz with a database default (now()). */
export type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface HospitalTable {
  id: string;
  name_zh: string;
  name_en: string;
  tier: HospitalTier;
  region: string;
  created_at: GeneratedTimestamp;
}

export interface DepartmentTable {
  id: string;
  hospital_id: string;
  name_zh: string;
  name_en: string;
}

export interface PairingTable {
  id: string;
  tertiary_hospital_id: string;
  county_hospital_id: string;
  program_name: string;
  since: DateCol;
  active: Generated<boolean>;
}

export interface UserTable {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  hospital_id: string | null;
  department_id: string | null;
  locale: Generated<Locale>;
  password_hash: string;
  disabled: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  created_at: GeneratedTimestamp;
}

export interface SessionTable {
  /** sha256 of the cookie token; the token itself is never stored. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: GeneratedTimestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: Generated<string>;
  last_seen_at: GeneratedTimestamp;
  /** Signed in by password while the role requires a second factor not yet enrolled: only enrolment is open. */
  mfa_enrolment_pending: Generated<boolean>;
}

export interface AuditEventTable {
  seq: Generated<number>;
  actor_id: string | null;
  actor_role: string | null;
  hospital_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  outcome: 'success' | 'failure' | 'denied';
  ip: string | null;
  at: Timestamp;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export interface NotificationTable {
  id: string;
  user_id: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  data: string;
  created_at: GeneratedTimestamp;
  read_at: Timestamp | null;
}

export type HospitalRow = Selectable<HospitalTable>;
export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type UserUpdateRow = Updateable<UserTable>;
export type PairingRow = Selectable<PairingTable>;
export type DepartmentRow = Selectable<DepartmentTable>;
export type AuditRow = Selectable<AuditEventTable>;
export type NotificationRow = Selectable<NotificationTable>;
