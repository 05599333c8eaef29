import type { DB } from '../db/database';
import { appendAuditEntries, type AuditInput } from '../audit/service';

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
            appendAuditEntries(
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

const batchers = new WeakMap<DB, ReadAuditBatcher>();

/** Audit a read (list or detail of patient data); resolves once the entry is committed. */
export function auditRead(db: DB, e: AuditInput): Promise<void> {
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = new ReadAuditBatcher(db)));
  return b.record(e);
}
