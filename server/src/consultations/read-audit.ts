import type { DB } from '../db/database';
import type { Trx } from '../db/database';
import { hashRow, recordAudit, type AuditInput } from '../audit/service';

/**
 * Group commit for read audits. Every read of patient data is audited BEFORE its response is sent (the caller
 * awaits), but concurrent reads share one transaction: while one batch commits, new entries queue and go in
 * the next. The audit chain takes a global lock per transaction, so one commit per read capped list throughput
 * at roughly one read per commit latency; batching lifts that without changing what is recorded.
 */
interface Pending {
  e: AuditInput;
  resolve(): void;
  reject(err: unknown): void;
}

class ReadAuditBatcher {
  #queue: Pending[] = [];
  #running = false;
  constructor(private readonly db: DB) {}

  record(e: AuditInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ e, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, 500);
        try {
          await this.db.transaction().execute((trx) =>
            appendBatch(
              trx,
              batch.map((p) => p.e),
            ),
          );
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

/**
 * Append many entries in one transaction with one round trip for the rest: the first goes through recordAudit
 * (which takes the chain's lock for this transaction and links to the previous row); the others are chained in
 * memory with the same hashRow and inserted together, so the chain verifies exactly as if appended one by one.
 */
async function appendBatch(trx: Trx, entries: AuditInput[]): Promise<void> {
  const [first, ...rest] = entries;
  if (!first) return;
  await recordAudit(trx, first);
  if (!rest.length) return;
  const last = await trx
    .selectFrom('audit_events')
    .select('hash')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  let prev = last.hash;
  const rows = rest.map((e) => {
    const fields = {
      actor_id: e.actor?.id ?? null,
      actor_role: e.actor?.role ?? null,
      hospital_id: e.actor?.hospitalId ?? null,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId ?? null,
      outcome: e.outcome ?? ('success' as const),
      ip: e.ip ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      at: new Date(Math.floor(Date.now())),
    };
    const hash = hashRow(prev, fields);
    const row = { ...fields, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  await trx.insertInto('audit_events').values(rows).execute();
}

const batchers = new WeakMap<DB, ReadAuditBatcher>();

/** Audit a read (list or detail of patient data); resolves once the entry is committed. */
export function auditRead(db: DB, e: AuditInput): Promise<void> {
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = new ReadAuditBatcher(db)));
  return b.record(e);
}
