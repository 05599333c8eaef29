import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { AuditOutcome } from '@consult/shared';
import type { DB, Executor, Trx } from '../db/database';
import type { AuditRow } from '../db/tables';
import type { Actor } from '../auth/actor';

export interface AuditInput {
  actor: Pick<Actor, 'id' | 'role' | 'hospitalId'> | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  outcome?: AuditOutcome;
  ip?: string | null;
  /** Free-form context (never patient data beyond ids). */
  detail?: Record<string, unknown> | null;
}

export const GENESIS_HASH = '0'.repeat(64);
/**
 * Any constant works: every append takes this transaction-scoped lock so the chain has one order. The second
 * key is the schema's, since advisory locks are per database and each schema (DATABASE_SCHEMA) has its own chain.
 */
const AUDIT_LOCK_KEY = 727_001;

type HashedFields = Pick<
  AuditRow,
  | 'actor_id'
  | 'actor_role'
  | 'hospital_id'
  | 'action'
  | 'entity_type'
  | 'entity_id'
  | 'outcome'
  | 'ip'
  | 'detail'
> & { at: Date };

/** The hash of a row covers every field and the previous row's hash. */
export function hashRow(prevHash: string, r: HashedFields): string {
  const canonical = JSON.stringify([
    r.actor_id,
    r.actor_role,
    r.hospital_id,
    r.action,
    r.entity_type,
    r.entity_id,
    r.outcome,
    r.ip,
    r.at.toISOString(),
    r.detail,
  ]);
  return crypto.createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/**
 * Append entries in order, chained to the last row: one lock for the transaction, one read of the chain's head,
 * one insert for all of them (the chain verifies exactly as if they were appended one by one).
 */
export async function appendAuditEntries(trx: Trx, entries: AuditInput[]): Promise<void> {
  if (!entries.length) return;
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY}, hashtext(current_schema()))`.execute(trx);
  const last = await trx
    .selectFrom('audit_events')
    .select('hash')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prev = last?.hash ?? GENESIS_HASH;
  const rows = entries.map((e) => {
    const fields: HashedFields = {
      actor_id: e.actor?.id ?? null,
      actor_role: e.actor?.role ?? null,
      hospital_id: e.actor?.hospitalId ?? null,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId ?? null,
      outcome: e.outcome ?? 'success',
      ip: e.ip ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      // Millisecond precision so the value read back hashes the same.
      at: new Date(Math.floor(Date.now())),
    };
    const hash = hashRow(prev, fields);
    const row = { ...fields, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  await trx.insertInto('audit_events').values(rows).execute();
}

/**
 * Append an audit event. Pass the transaction of the change being audited so both commit or neither;
 * pass the root `db` for reads and failures (its own short transaction).
 */
export async function recordAudit(ex: Executor, e: AuditInput): Promise<void> {
  if (ex.isTransaction) return appendAuditEntries(ex as Trx, [e]);
  await (ex as DB).transaction().execute((trx) => appendAuditEntries(trx, [e]));
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBadSeq: number | null;
  reason: string | null;
}

/** Walk the chain in order; name the first row whose hash or link does not match. */
export async function verifyAuditChain(db: DB): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let checked = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(1000)
      .execute();
    if (rows.length === 0) return { ok: true, checked, firstBadSeq: null, reason: null };
    for (const r of rows) {
      if (r.prev_hash !== prev) {
        return {
          ok: false,
          checked,
          firstBadSeq: r.seq,
          reason: `row ${r.seq}: prev_hash does not match row before it`,
        };
      }
      const expect = hashRow(prev, { ...r, at: new Date(r.at) });
      if (expect !== r.hash) {
        return {
          ok: false,
          checked,
          firstBadSeq: r.seq,
          reason: `row ${r.seq}: contents do not match its hash`,
        };
      }
      prev = r.hash;
      checked++;
      after = r.seq;
    }
  }
}
