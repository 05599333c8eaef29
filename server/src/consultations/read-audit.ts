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
  /** When it was queued (performance.now()), for the audit lag metric. */
  at: number;
  resolve(): void;
  reject(err: unknown): void;
}

class ReadAuditBatcher {
  #queue: Pending[] = [];
  #running = false;
  #inFlight: Pending[] = [];
  constructor(private readonly db: DB) {}

  record(e: AuditInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ e, at: performance.now(), resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  /** Entries not yet committed to the chain (queued or in the running batch) and the oldest one's age in ms. */
  backlog(): { entries: number; oldestMs: number } {
    const oldest = this.#inFlight[0] ?? this.#queue[0];
    return {
      entries: this.#inFlight.length + this.#queue.length,
      oldestMs: oldest ? performance.now() - oldest.at : 0,
    };
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, 500);
        this.#inFlight = batch;
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
        this.#inFlight = [];
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

/** The read audits of `db` waiting for their group commit (the audit chain's lag behind the reads it records). */
export function readAuditBacklog(db: DB): { entries: number; oldestMs: number } {
  return batchers.get(db)?.backlog() ?? { entries: 0, oldestMs: 0 };
}
