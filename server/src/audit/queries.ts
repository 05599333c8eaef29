import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { AuditQuery } from '@consult/shared';
import { PREPARED } from '../db/connect';
import type { Executor, Trx } from '../db/database';
import type { AuditRow } from '../db/tables';
import type { AuditCheckpointTable } from './tables';

/**
 * Any constant works: every append takes this transaction-scoped lock so the chain has one order. The second
 * key is the schema's, since advisory locks are per database and each schema (DATABASE_SCHEMA) has its own chain.
 */
export const AUDIT_LOCK_KEY = 727_001;

/** The chain's head as audit_lock_reserve reads it under the lock, with the seq values reserved for new rows. */
export interface LockedHead {
  checkpoint: Selectable<AuditCheckpointTable> | null;
  last: { seq: number; hash: string } | null;
  seqs: number[];
}

/**
 * Take the chain's lock, then read its signed head checkpoint and its last row in a snapshot taken after the lock
 * was granted, and reserve `n` seq values for the rows about to be appended (the database function
 * audit_lock_reserve, migration 2026_12_10_0200_fewer_round_trips): one round trip for all of it.
 */
export async function lockAndReserve(trx: Trx, n: number): Promise<LockedHead> {
  const { rows } = await sql<{ h: LockedHead }>`${sql.raw(PREPARED)}
    select audit_lock_reserve(${AUDIT_LOCK_KEY}::int, ${n}::int) as h`.execute(trx);
  return lockedHead(rows[0]!.h);
}

/** audit_lock_reserve's document as read (seq values as numbers, ascending). */
export const lockedHead = (h: LockedHead): LockedHead => ({
  ...h,
  seqs: h.seqs.map(Number).sort((a, b) => a - b),
});

export const readCheckpoint = (ex: Executor) =>
  ex
    .selectFrom('audit_checkpoint')
    .selectAll()
    .where('id', '=', 1)
    .modifyFront(sql.raw(PREPARED))
    .executeTakeFirst();

/** Rows chained to the head, with their reserved seq values, and the new head signed (service.ts chainRows). */
export interface AuditAppend {
  rows: AuditRow[];
  head: { seq: number; hash: string; signature: string };
}

/**
 * The append as two data-modifying CTEs (`audit_rows`, `audit_head`): the rows with their reserved seq values,
 * and the signed head checkpoint moved to the last of them. Its text is the same for any number of rows (they
 * are ONE JSON parameter; `at` travels as its ISO text in UTC, to the millisecond, as the hash took it), so a
 * statement that holds it stays a prepared statement. A capability whose change is audited may put these CTEs in
 * its own statement (imaging's group commit does), provided it took the chain's lock first.
 */
export const appendCtes = (a: AuditAppend): RawBuilder<unknown> => sql`
    audit_rows as (
      insert into audit_events (seq, actor_id, actor_role, hospital_id, action, entity_type, entity_id, outcome, ip,
        at, detail, prev_hash, hash)
      overriding system value
      select seq, actor_id, actor_role, hospital_id, action, entity_type, entity_id, outcome, ip, at, detail,
        prev_hash, hash
      from jsonb_to_recordset(${JSON.stringify(a.rows)}::text::jsonb) as v(seq int, actor_id text, actor_role text,
        hospital_id text, action text, entity_type text, entity_id text, outcome text, ip text, at timestamptz,
        detail text, prev_hash text, hash text)
      order by seq),
    audit_head as (
      insert into audit_checkpoint (id, seq, hash, signature, at)
      values (1, ${a.head.seq}, ${a.head.hash}, ${a.head.signature}, ${new Date()})
      on conflict (id) do update set seq = excluded.seq, hash = excluded.hash, signature = excluded.signature,
        at = excluded.at)`;

/** Insert the rows and move the signed head checkpoint, in ONE statement. */
export async function insertRowsAndCheckpoint(trx: Trx, a: AuditAppend): Promise<void> {
  await sql`${sql.raw(PREPARED)} with ${appendCtes(a)} select 1`.execute(trx);
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
