import type { DB } from '../db/database';

/**
 * Where an instance's time goes on its way into the index, for the metrics (metrics/plugin.ts,
 * consult_ingest_stage_seconds) and the ingest benchmarks:
 *   - file_sync: its part ended → its file is on disk (the temp file written and synced);
 *   - queued: handed to the group commit → its batch begins (the gathering window, a batch still committing);
 *   - identity_lock: the batch's first statement (identity and audit-chain locks, and the rows they guard);
 *   - index_write: the batch's rows written (one statement);
 *   - blob_place: the batch's files renamed into the blob store and their directories synced (beside index_write);
 *   - transaction: the batch's whole transaction, begin to commit (once per batch).
 * An upload waits for file_sync, queued and transaction in turn; identity_lock, index_write and blob_place are
 * parts of the transaction.
 */
export type IngestStage =
  'file_sync' | 'queued' | 'identity_lock' | 'index_write' | 'blob_place' | 'transaction';

export interface IngestObserver {
  stage(stage: IngestStage, seconds: number): void;
  /** A batch committed with this many instances. */
  batch(instances: number): void;
}

const observers = new WeakMap<DB, Set<IngestObserver>>();

/** Report `db`'s ingest stages to `o` until the returned function is called. */
export function observeIngest(db: DB, o: IngestObserver): () => void {
  let set = observers.get(db);
  if (!set) observers.set(db, (set = new Set()));
  set.add(o);
  return () => void set.delete(o);
}

/** A stage that took `seconds` (nothing happens when no one observes `db`). */
export function ingestStage(db: DB, stage: IngestStage, seconds: number): void {
  for (const o of observers.get(db) ?? []) o.stage(stage, seconds);
}

/** A group-commit batch of `instances` committed. */
export function ingestBatch(db: DB, instances: number): void {
  for (const o of observers.get(db) ?? []) o.batch(instances);
}

/** A stopwatch in seconds, started now. */
export function stopwatch(): () => number {
  const t0 = performance.now();
  return () => (performance.now() - t0) / 1000;
}

/**
 * `durable` (a file's sync), reported as file_sync once it settles; settles as it does. Like the sync itself
 * (TempObject.seal), a failure is for whoever awaits it to report, never an unhandled rejection.
 */
export function timedSync(db: DB, durable: Promise<void>): Promise<void> {
  const took = stopwatch();
  const timed = durable.finally(() => ingestStage(db, 'file_sync', took()));
  timed.catch(() => undefined);
  return timed;
}
