import type { DB } from '../db/database';
import { appendAuditEntries, type AuditInput } from '../audit/service';
import { DomainError } from '../errors';

/**
 * Read audits, appended in the background. Every read of patient data still gets exactly one audit record in the
 * hash chain, stamped with the time of the read, but the response no longer waits for its commit: `auditRead`
 * queues the record and returns; a writer appends what is queued in batches (one transaction, one chain lock per
 * batch of up to BATCH records).
 *
 * Never silently lost:
 * - a failed append keeps the batch at the head of the queue and retries it (backoff 100 ms doubling to 5 s),
 *   logging each failure with the backlog;
 * - the backlog is bounded (MAX_BACKLOG records): when full, reads that would add to it are refused with 503
 *   `unavailable` — a read that cannot be audited is not served;
 * - `flushReadAudits` (the app's onClose, and the audit log before it lists) waits until the queue is empty; on
 *   a clean shutdown every queued record is in the chain before the database closes. If the database stays
 *   unreachable for the whole shutdown grace, the records still queued are written to the log (error level, one
 *   line each with the full record) rather than dropped without trace.
 */
export const READ_AUDIT_BATCH = 500;
/**
 * How long the writer lets reads gather before it appends a batch smaller than READ_AUDIT_BATCH: under load, a
 * few larger transactions instead of one per handful of reads (each is six statements: lock, head, insert,
 * checkpoint, begin/commit). `flush` does not wait for it.
 */
const GATHER_MS = 50;
export const READ_AUDIT_MAX_BACKLOG = 50_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

export interface ReadAuditLog {
  error(obj: object, msg: string): void;
}

interface Pending {
  e: AuditInput;
  /** When it was queued (performance.now()), for the audit lag metric. */
  at: number;
}

class ReadAuditQueue {
  #queue: Pending[] = [];
  #writer: Promise<void> | null = null;
  #retry: { timer: NodeJS.Timeout; wake(): void } | null = null;
  log: ReadAuditLog = { error: (obj, msg) => console.error(msg, obj) };
  /** Appends that failed (each retried), for tests and the log. */
  failures = 0;
  /** Flushes waiting: the writer appends at once, without gathering. */
  #flushing = 0;
  constructor(
    private readonly db: DB,
    private readonly maxBacklog = READ_AUDIT_MAX_BACKLOG,
  ) {}

  record(e: AuditInput): void {
    if (this.#queue.length >= this.maxBacklog)
      throw new DomainError('unavailable', 'the audit trail is not keeping up; try again shortly');
    this.#queue.push({ e: { ...e, at: e.at ?? new Date() }, at: performance.now() });
    this.#writer ??= this.#write();
  }

  backlog(): { entries: number; oldestMs: number } {
    const oldest = this.#queue[0];
    return { entries: this.#queue.length, oldestMs: oldest ? performance.now() - oldest.at : 0 };
  }

  /** Resolves when everything queued so far is in the chain; `deadline` (epoch ms) bounds the wait. */
  async flush(deadline = Infinity): Promise<boolean> {
    this.#flushing++;
    try {
      return await this.#flushBy(deadline);
    } finally {
      this.#flushing--;
    }
  }

  async #flushBy(deadline: number): Promise<boolean> {
    this.#retry?.wake();
    while (this.#queue.length) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const writer = (this.#writer ??= this.#write());
      if (left === Infinity) await writer;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([writer, new Promise((r) => (timer = setTimeout(r, left)))]);
        clearTimeout(timer);
      }
    }
    return true;
  }

  /** The records still queued (after a flush that missed its deadline), removed from the queue. */
  takeAll(): AuditInput[] {
    return this.#queue.splice(0).map((p) => p.e);
  }

  async #write(): Promise<void> {
    let delay = RETRY_MIN_MS;
    try {
      while (this.#queue.length) {
        if (!this.#flushing && this.#queue.length < READ_AUDIT_BATCH) await this.#pause(GATHER_MS, false);
        const batch = this.#queue.slice(0, READ_AUDIT_BATCH);
        try {
          await this.db.transaction().execute((trx) =>
            appendAuditEntries(
              trx,
              batch.map((p) => p.e),
            ),
          );
          // (takeAll may have emptied the queue meanwhile: remove the batch only if it is still at the head)
          if (this.#queue[0] === batch[0]) this.#queue.splice(0, batch.length);
          delay = RETRY_MIN_MS;
        } catch (err) {
          this.failures++;
          this.log.error(
            { err, backlog: this.#queue.length, retryInMs: delay },
            'read audit append failed; the records are kept and retried',
          );
          await this.#pause(delay);
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      }
    } finally {
      this.#writer = null;
    }
  }

  /** Wait `ms` (woken early by a flush); `unref`: a retry's wait alone does not keep the process running. */
  #pause(ms: number, unref = true): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#retry = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      if (unref) timer.unref();
      this.#retry = { timer, wake };
    });
  }
}

const queues = new WeakMap<DB, ReadAuditQueue>();
const queueOf = (db: DB) => {
  let q = queues.get(db);
  if (!q) queues.set(db, (q = new ReadAuditQueue(db)));
  return q;
};

/**
 * Audit a read (list or detail of patient data): queued for the chain, not awaited. Throws 503 `unavailable`
 * when the backlog is full (the read must then not be served).
 */
export function auditRead(db: DB, e: AuditInput): void {
  queueOf(db).record(e);
}

/** Where append failures are logged (the app's logger). */
export function setReadAuditLog(db: DB, log: ReadAuditLog): void {
  queueOf(db).log = log;
}

/**
 * Wait until every read audit queued so far is in the chain. With `graceMs`, give up after it and write the
 * records still queued to the log (shutdown with the database gone); returns whether all were appended.
 */
export async function flushReadAudits(db: DB, graceMs?: number): Promise<boolean> {
  const q = queues.get(db);
  if (!q) return true;
  if (await q.flush(graceMs === undefined ? Infinity : Date.now() + graceMs)) return true;
  for (const record of q.takeAll())
    q.log.error({ auditRecord: record }, 'read audit NOT appended before shutdown (database unreachable)');
  return false;
}

/** The read audits of `db` waiting for their append (the audit chain's lag behind the reads it records). */
export function readAuditBacklog(db: DB): { entries: number; oldestMs: number } {
  return queues.get(db)?.backlog() ?? { entries: 0, oldestMs: 0 };
}

/** Test hook: the failed appends so far. */
export const readAuditFailures = (db: DB): number => queues.get(db)?.failures ?? 0;
