import { sql } from 'kysely';
import type { Executor, Trx } from '../db/database';
import type { AuditRow } from '../db/tables';

/**
 * Any constant works: every append takes this transaction-scoped lock so the chain has one order. The second
 * key is the schema's, since advisory locks are per database and each schema (DATABASE_SCHEMA) has its own chain.
 */
const AUDIT_LOCK_KEY = 727_001;

export async function lockChain(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY}, hashtext(current_schema()))`.execute(trx);
}

export const lastRow = (ex: Executor) =>
  ex.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();

export const readCheckpoint = (ex: Executor) =>
  ex.selectFrom('audit_checkpoint').selectAll().where('id', '=', 1).executeTakeFirst();

export type NewAuditRow = Omit<AuditRow, 'seq'>;

/** Insert rows in order; returns the new head (the last row's seq and hash). */
export async function insertRows(trx: Trx, rows: NewAuditRow[]): Promise<{ seq: number; hash: string }> {
  const inserted = await trx.insertInto('audit_events').values(rows).returning(['seq', 'hash']).execute();
  return inserted.reduce((a, b) => (b.seq > a.seq ? b : a));
}

export async function writeCheckpoint(
  trx: Trx,
  head: { seq: number; hash: string; signature: string },
): Promise<void> {
  await trx
    .insertInto('audit_checkpoint')
    .values({ id: 1, ...head, at: new Date() })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ seq: head.seq, hash: head.hash, signature: head.signature, at: new Date() }),
    )
    .execute();
}

/** One page of the chain in order, after `afterSeq`. */
export const rowsAfter = (ex: Executor, afterSeq: number, limit: number) =>
  ex.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
