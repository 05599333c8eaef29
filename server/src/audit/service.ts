import crypto from 'node:crypto';
import type { AuditOutcome } from '@consult/shared';
import type { DB, Executor, Trx } from '../db/database';
import type { AuditRow } from '../db/tables';
import type { Actor } from '../auth/actor';
import { headSignatureValid, signHead } from './checkpoint';
import * as q from './queries';

export interface AuditInput {
  actor: Pick<Actor, 'id' | 'role' | 'hospitalId'> | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  outcome?: AuditOutcome;
  ip?: string | null;
  /** Free-form context (never patient data beyond ids). */
  detail?: Record<string, unknown> | null;
  /** When it happened (default: when appended); read audits appended in the background carry their read time. */
  at?: Date;
}

export const GENESIS_HASH = '0'.repeat(64);

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

/**
 * Text exactly as PostgreSQL and PGlite store it. Neither can store NUL, and a lone UTF-16 surrogate is replaced
 * when the driver encodes UTF-8, so the row read back would differ from the row hashed. Both become U+FFFD here,
 * BEFORE hashing: what is hashed is exactly what is stored, whatever a caller passes in. (Requests never get this
 * far with such text: the input guard answers 400 first.)
 */
export function storableText(s: string): string;
export function storableText(s: string | null): string | null;
export function storableText(s: string | null): string | null {
  return s === null ? null : s.replace(/\0|\p{Cs}/gu, '\uFFFD');
}

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
 * The hash the next row links to: the signed checkpoint's when it is intact (so rows appended after someone deleted
 * the chain's tail do not link to the shortened chain, and the verifier still sees the gap), else the last row's
 * (a fresh database, or a checkpoint the verifier will report).
 */
function linkOf(h: q.LockedHead): string {
  const cp = h.checkpoint;
  if (cp && headSignatureValid(cp.seq, cp.hash, cp.signature)) return cp.hash;
  return h.last?.hash ?? GENESIS_HASH;
}

/**
 * Append entries in order, chained to the head, in two round trips: the chain's lock with a read of its head and
 * a seq value reserved for each entry (q.lockAndReserve), then one statement inserting them all (the chain
 * verifies exactly as if they were appended one by one) and moving the signed head checkpoint to the last of them.
 */
export async function appendAuditEntries(trx: Trx, entries: AuditInput[]): Promise<void> {
  if (!entries.length) return;
  const head = await q.lockAndReserve(trx, entries.length);
  await q.insertRowsAndCheckpoint(trx, chainRows(head, entries));
}

/**
 * The rows of an append chained to `head` (read under the chain's lock, with at least one reserved seq value per
 * entry) and the new head, signed. Pure: the caller writes them (appendAuditEntries, or a capability folding the
 * append into its own statement with auditAppendCtes, as imaging's group commit does).
 */
export function chainRows(head: q.LockedHead, entries: AuditInput[]): q.AuditAppend {
  if (head.seqs.length < entries.length) throw new Error('fewer seq values reserved than audit entries');
  let prev = linkOf(head);
  const rows = entries.map((e, i) => {
    const fields: HashedFields = {
      actor_id: storableText(e.actor?.id ?? null),
      actor_role: storableText(e.actor?.role ?? null),
      hospital_id: storableText(e.actor?.hospitalId ?? null),
      action: storableText(e.action),
      entity_type: storableText(e.entityType),
      entity_id: storableText(e.entityId ?? null),
      outcome: e.outcome ?? 'success',
      ip: storableText(e.ip ?? null),
      detail: storableText(e.detail ? JSON.stringify(e.detail) : null),
      // Millisecond precision so the value read back hashes the same.
      at: new Date(Math.floor((e.at ?? new Date()).getTime())),
    };
    const hash = hashRow(prev, fields);
    const row = { ...fields, seq: head.seqs[i]!, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  const last = rows[rows.length - 1]!;
  return { rows, head: { seq: last.seq, hash: last.hash, signature: signHead(last.seq, last.hash) } };
}

/** For a capability that folds an append into its own statements (see q.appendCtes and q.lockedHead). */
export {
  AUDIT_LOCK_KEY,
  appendCtes as auditAppendCtes,
  lockedHead as auditLockedHead,
  type AuditAppend,
  type LockedHead as AuditLockedHead,
} from './queries';

/**
 * Append an audit event. Pass the transaction of the change being audited so both commit or neither;
 * pass the root `db` for reads and failures (its own short transaction).
 */
export async function recordAudit(ex: Executor, e: AuditInput): Promise<void> {
  if (ex.isTransaction) return appendAuditEntries(ex as Trx, [e]);
  await (ex as DB).transaction().execute((trx) => appendAuditEntries(trx, [e]));
}

export interface AuditProblem {
  /** The row at fault; null for a fault of the chain as a whole (its checkpoint). */
  seq: number | null;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Rows read. */
  checked: number;
  /** The first problem's row and reason (kept for callers that show one). */
  firstBadSeq: number | null;
  reason: string | null;
  /** EVERY problem found, in chain order (at most MAX_PROBLEMS; `problemCount` says how many in all). */
  problems: AuditProblem[];
  problemCount: number;
}

const MAX_PROBLEMS = 10_000;

/**
 * Walk the whole chain and report every bad row, not only the first: a row whose contents do not match its
 * hash (edited), a row whose link does not match the row before it (a row removed, inserted or re-hashed), and a
 * chain that ends before its signed head checkpoint (the tail was deleted).
 */
export async function verifyAuditChain(db: DB): Promise<VerifyResult> {
  const problems: AuditProblem[] = [];
  let problemCount = 0;
  const report = (seq: number | null, reason: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push({ seq, reason });
  };
  const cp = await q.readCheckpoint(db);
  let prev = GENESIS_HASH;
  let prevSeq = 0;
  let checked = 0;
  let hashAtCheckpoint: string | null = null;
  for (;;) {
    const rows = await q.rowsAfter(db, prevSeq, 1000);
    if (rows.length === 0) break;
    for (const r of rows) {
      const faults: string[] = [];
      if (r.prev_hash !== prev) {
        faults.push(
          `its link does not match the row before it (seq ${prevSeq || 'none'}): rows were removed or changed`,
        );
      }
      if (hashRow(r.prev_hash, { ...r, at: new Date(r.at) }) !== r.hash) {
        faults.push('its contents do not match its hash');
      }
      if (faults.length) report(r.seq, `row ${r.seq}: ${faults.join('; ')}`);
      if (cp && r.seq === cp.seq) hashAtCheckpoint = r.hash;
      prev = r.hash;
      prevSeq = r.seq;
      checked++;
    }
  }
  if (!cp) {
    if (checked > 0) report(null, 'the signed head checkpoint is missing');
  } else if (!headSignatureValid(cp.seq, cp.hash, cp.signature)) {
    report(null, 'the head checkpoint signature is invalid (forged, or signed with another key)');
  } else if (prevSeq < cp.seq) {
    report(
      cp.seq,
      `the chain ends at seq ${prevSeq} but its signed head is seq ${cp.seq}: rows at its tail were deleted`,
    );
  } else if (hashAtCheckpoint !== cp.hash) {
    report(cp.seq, `row ${cp.seq}: missing or changed, but it is the signed head of the chain`);
  } else if (prevSeq > cp.seq) {
    // Every append moves the checkpoint; rows past it were written by something that does not hold the key.
    report(
      cp.seq,
      `rows after the signed head (seq ${cp.seq}) up to seq ${prevSeq} were not appended by the server`,
    );
  }
  const first = problems[0] ?? null;
  return {
    ok: problemCount === 0,
    checked,
    firstBadSeq: first?.seq ?? null,
    reason: first?.reason ?? null,
    problems,
    problemCount,
  };
}
