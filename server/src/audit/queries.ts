import { sql, type Selectable } from 'kysely';
import type { AuditQuery } from '@consult/shared';
import { PREPARED } from '../db/connect';
import type { Executor, Trx } from '../db/database';
import type { AuditRow } from '../db/tables';
import type { AuditCheckpointTable } from './tables';

/**
 * Any constant works: every append takes this transaction-scoped lock so the chain has one order. The second
 * key is the schema's, since advisory locks are per database and each schema (DATABASE_SCHEMA) has its own chain.
 */
const AUDIT_LOCK_KEY = 727_001;

/**
 * Take the chain's lock, then read its signed head checkpoint in a snapshot taken after the lock was granted (the
 * database function audit_lock_head, migration 2026_12_07_0100_ingest_functions): one round trip for both.
 */
export async function lockChainHead(trx: Trx) {
  const { rows } = await sql<
    Selectable<AuditCheckpointTable>
  >`${sql.raw(PREPARED)} select * from audit_lock_head(${AUDIT_LOCK_KEY}::int)`.execute(trx);
  return rows[0];
}

export const lastRow = (ex: Executor) =>
  ex.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();

export const readCheckpoint = (ex: Executor) =>
  ex
    .selectFrom('audit_checkpoint')
    .selectAll()
    .where('id', '=', 1)
    .modifyFront(sql.raw(PREPARED))
    .executeTakeFirst();

export type NewAuditRow = Omit<AuditRow, 'seq'>;

/**
 * Insert rows in order (seq follows the array); returns the new head (the last row's seq and hash). The rows are
 * ONE JSON parameter, so the statement's text is the same for any number of them (a prepared statement); `at`
 * travels as its ISO text in UTC, to the millisecond, as the hash took it.
 */
export async function insertRows(trx: Trx, rows: NewAuditRow[]): Promise<{ seq: number; hash: string }> {
  const { rows: inserted } = await sql<{ seq: number; hash: string }>`${sql.raw(PREPARED)}
    insert into audit_events (actor_id, actor_role, hospital_id, action, entity_type, entity_id, outcome, ip, at,
      detail, prev_hash, hash)
    select actor_id, actor_role, hospital_id, action, entity_type, entity_id, outcome, ip, at, detail, prev_hash,
      hash
    from rows from (jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as (actor_id text, actor_role text,
      hospital_id text, action text, entity_type text, entity_id text, outcome text, ip text, at timestamptz,
      detail text, prev_hash text, hash text)) with ordinality
      as v(actor_id, actor_role, hospital_id, action, entity_type, entity_id, outcome, ip, at, detail, prev_hash,
      hash, n)
    order by n
    returning seq, hash`.execute(trx);
  return inserted.reduce((a, b) => (b.seq > a.seq ? b : a));
}

export async function writeCheckpoint(
  trx: Trx,
  head: { seq: number; hash: string; signature: string },
): Promise<void> {
  await sql`${sql.raw(PREPARED)} insert into audit_checkpoint (id, seq, hash, signature, at)
    values (1, ${head.seq}, ${head.hash}, ${head.signature}, ${new Date()})
    on conflict (id) do update set seq = excluded.seq, hash = excluded.hash, signature = excluded.signature,
      at = excluded.at`.execute(trx);
}

/** One page of the chain in order, after `afterSeq`. */
export const rowsAfter = (ex: Executor, afterSeq: number, limit: number) =>
  ex.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();

/** The newest events first, filtered by entity and actor (the audit log as GET /api/audit shows it). */
export function listEvents(ex: Executor, f: AuditQuery) {
  let q = ex
    .selectFrom('audit_events')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(f.limit ?? 100);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.actorId) q = q.where('actor_id', '=', f.actorId);
  return q.execute();
}
