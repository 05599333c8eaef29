import type { GeneratedTimestamp, Timestamp } from '../db/tables';

export interface ServiceClientTable {
  id: string;
  name: string;
  hospital_id: string;
  /** JSON array of permissions (a subset of SERVICE_CLIENT_PERMISSIONS). */
  permissions: string;
  /** argon2id hash of the client secret. */
  secret_hash: string;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export interface ServiceTokenTable {
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  token_hash: string;
  client_id: string;
  /** Space-separated permissions granted to this token (the requested scope, within the client's). */
  scope: string;
  expires_at: Timestamp;
  created_at: GeneratedTimestamp;
}
