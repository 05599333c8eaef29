import type { Timestamp } from '../db/tables';

/** Consecutive failed logins per account AND client address; a lock here locks only that pair. */
export interface LoginFailureTable {
  user_id: string;
  client: string;
  failures: number;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
}
