import type { Generated } from 'kysely';
import type { GeneratedTimestamp, Timestamp } from '../db/tables';

/** Consecutive failed logins per account AND client address; a lock here locks only that pair. */
export interface LoginFailureTable {
  user_id: string;
  client: string;
  failures: number;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
}

/** A user's TOTP secret; `confirmed_at` null until a code from the app was entered (RFC 6238). */
export interface UserTotpTable {
  user_id: string;
  secret: string;
  confirmed_at: Timestamp | null;
  /** The last time step accepted: a code at or before it is refused (each code works once). */
  last_step: string | number | null;
  created_at: GeneratedTimestamp;
}

/** One-time recovery codes, sha256-hashed (they carry 50 random bits each). */
export interface RecoveryCodeTable {
  user_id: string;
  code_hash: string;
  used_at: Timestamp | null;
}

/** A browser remembered after a second factor: sha256 of its cookie token. */
export interface TrustedDeviceTable {
  id: string;
  user_id: string;
  user_agent: Generated<string>;
  created_at: GeneratedTimestamp;
  expires_at: Timestamp;
}

/** A user's previous password hashes (argon2), to refuse reuse of the last N. */
export interface PasswordHistoryTable {
  user_id: string;
  password_hash: string;
  created_at: GeneratedTimestamp;
}
