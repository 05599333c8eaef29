import type { Timestamp } from '../db/tables';

/**
 * The signed head of the audit chain (one row): the last row's seq and hash with an HMAC over them, rewritten by
 * every append under the chain's lock. Kept apart from the rows so deleting the chain's tail is detected: the
 * verifier finds the signed head missing. The key is not in the database (see checkpoint.ts).
 */
export interface AuditCheckpointTable {
  id: number;
  seq: number;
  hash: string;
  signature: string;
  at: Timestamp;
}
