import type { DB, Trx } from '../db/database';
import { poolOf } from '../db/connect';
import type { Actor } from '../auth/actor';
import { chainRows, type AuditInput } from '../audit/service';
import type { InstanceAttrs } from './dicom';
import type { BlobStore } from './storage';
import { judgeIdentity, samePatient } from './identity';
import { failed, ingestHooks, priorOutcome, storedResult, type StoreResult } from './ingest-result';
import * as q from './ingest-queries';
import { indexRows } from './ingest-rows';
import { ingestBatch, ingestStage, stopwatch, type IngestStage } from './ingest-timing';

/**
 * Group commit of the index (issue 14). Instances that are scanned, validated and synced to disk wait here; one
 * transaction indexes a whole batch in two statements — identity and audit locks with what they guard, then every
 * patient, study, series, instance and audit row — while the blobs are renamed into place, and every instance's caller
 * is answered only once that transaction committed (or failed). A batch forms by itself while the previous one
 * commits; and a batch ready to start waits up to GATHER_MS for instances announced as on their way
 * (expectInstance: a STOW part from its first byte until it is handed over or refused), so the parts of one request
 * and concurrent requests share the round trips and the commit, while a lone instance waits for nothing.
 *
 * Exactness: each instance is judged against the database read under the batch's identity locks (identity.ts,
 * the same rule as before). An instance whose study, series or SOP Instance UID an EARLIER instance of the same
 * batch takes in a way that could change the judgement (another hospital, another patient, another study, the
 * same SOP instance) is not judged in this batch: it goes first into the next one, where the database holds the
 * earlier one's rows and the rule speaks as if they had come one at a time.
 */
export interface PendingInstance {
  store: BlobStore;
  actor: Actor;
  hospitalId: string;
  attrs: InstanceAttrs;
  file: { tempPath: string; sha256: string; size: number };
}

interface Waiting extends PendingInstance {
  resolve(r: StoreResult): void;
  reject(e: unknown): void;
  /** Since it was handed over (the queued stage). */
  waited: () => number;
}

/** Most instances in one transaction (bounds its statements' size and the time its locks are held). */
export const MAX_BATCH = 64;

/**
 * Longest a ready batch waits for instances about to join it (parts streaming in, being synced or scanned), so
 * that they share one transaction: a group commit's window, closed early once none is on its way.
 */
export const GATHER_MS = 3;

/** An instance on its way to the group commit: `done()` once it was submitted or refused (idempotent). */
export interface Arrival {
  done(): void;
}

/** Batches committed, instances they held, and instances deferred to a next batch (tests and diagnostics). */
export const ingestBatchStats = { batches: 0, instances: 0, deferred: 0 };

/** The identity locks of an instance (study, series, SOP Instance UID), as its batch takes them. */
const identityKeys = (a: InstanceAttrs): q.LockKey[] => [
  [1, a.studyUid],
  [2, a.seriesUid],
  [3, a.sopInstanceUid],
];

/** The same keys as text, for the batcher's map of keys held by committing batches. */
const uidsOf = (w: PendingInstance): string[] =>
  identityKeys(w.attrs).map(([space, uid]) => `${space} ${uid}`);

class IngestBatcher {
  #queue: Waiting[] = [];
  /** Identity keys (uidsOf) of the instances in committing batches, with how many hold each. */
  #busy = new Map<string, number>();
  #running = 0;
  #arriving = 0;
  #gather: NodeJS.Timeout | null = null;
  #gathered = false;

  /** Instances announced and not yet submitted or refused. */
  get arriving(): number {
    return this.#arriving;
  }

  constructor(
    private readonly db: DB,
    /** Batches committing at once: 1 on PGlite (one connection), 2 on PostgreSQL (overlaps one's fsyncs). */
    private readonly parallel: number,
  ) {}

  expect(): Arrival {
    this.#arriving++;
    let open = true;
    return {
      done: () => {
        if (!open) return;
        open = false;
        this.#arriving--;
        this.#pump();
      },
    };
  }

  submit(p: PendingInstance, arrival?: Arrival): Promise<StoreResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...p, resolve, reject, waited: stopwatch() });
      arrival?.done();
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.parallel && this.#queue.length) {
      if (this.#arriving > 0 && this.#queue.length < MAX_BATCH && !this.#gathered) {
        this.#gather ??= setTimeout(() => {
          this.#gather = null;
          this.#gathered = true;
          this.#pump();
        }, GATHER_MS);
        return;
      }
      if (this.#gather) clearTimeout(this.#gather);
      this.#gather = null;
      this.#gathered = false;
      const batch = this.#take();
      if (!batch.length) return; // each one waits for a committing batch, which pumps again when it ends
      for (const w of batch) ingestStage(this.db, 'queued', w.waited());
      const keys = batch.flatMap(uidsOf);
      for (const k of keys) this.#busy.set(k, (this.#busy.get(k) ?? 0) + 1);
      this.#running++;
      void this.#commit(batch).finally(() => {
        for (const k of keys) {
          const n = this.#busy.get(k)! - 1;
          if (n) this.#busy.set(k, n);
          else this.#busy.delete(k);
        }
        this.#running--;
        this.#pump();
      });
    }
  }

  /**
   * The next batch: queued instances in their order, up to MAX_BATCH, leaving queued (in order) any whose study,
   * series or SOP Instance UID a committing batch holds. Such an instance would wait for that batch's identity
   * locks anyway; taken into a batch beside it, it could get them first and overtake an instance queued before it
   * (two parts of one request, of one study: the later one would be judged first).
   */
  #take(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const w of this.#queue)
      (batch.length < MAX_BATCH && !uidsOf(w).some((k) => this.#busy.has(k)) ? batch : rest).push(w);
    this.#queue = rest;
    return batch;
  }

  async #commit(batch: Waiting[]): Promise<void> {
    const took = stopwatch();
    let outcome: (StoreResult | null)[];
    try {
      outcome = await this.db
        .transaction()
        .execute((trx) => indexBatch(trx, batch, (stage, seconds) => ingestStage(this.db, stage, seconds)));
    } catch (e) {
      // A fault of one instance's data (SQLSTATE class 22/23) must not fail the others: each goes alone.
      const code = String((e as { code?: unknown }).code ?? '');
      if (batch.length > 1 && /^2[23]/.test(code)) {
        for (const w of batch) await this.#commit([w]);
        return;
      }
      for (const w of batch) w.reject(e);
      return;
    }
    ingestStage(this.db, 'transaction', took());
    ingestBatch(this.db, batch.length);
    ingestBatchStats.batches++;
    ingestBatchStats.instances += batch.length;
    const deferred: Waiting[] = [];
    batch.forEach((w, i) => (outcome[i] ? w.resolve(outcome[i]) : deferred.push(w)));
    ingestBatchStats.deferred += deferred.length;
    this.#queue.unshift(...deferred);
  }
}

const batchers = new WeakMap<DB, IngestBatcher>();

function batcherOf(db: DB): IngestBatcher {
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = new IngestBatcher(db, poolOf(db) ? 2 : 1)));
  return b;
}

/** Tell the group commit an instance is on its way (its part began); a ready batch waits for it a moment. */
export const expectInstance = (db: DB): Arrival => batcherOf(db).expect();

/** Instances announced to `db`'s group commit and not yet handed over or refused (0 when idle; diagnostics). */
export const instancesArriving = (db: DB): number => batchers.get(db)?.arriving ?? 0;

/** Index one prepared instance through its database's group commit; resolves once its rows are committed. */
export function submitInstance(db: DB, p: PendingInstance, arrival?: Arrival): Promise<StoreResult> {
  return batcherOf(db).submit(p, arrival);
}

/** What earlier instances of this batch took: study → hospital + patient, series → hospital + study, SOPs. */
interface Claims {
  studies: Map<string, { hospitalId: string; a: InstanceAttrs }>;
  series: Map<string, { hospitalId: string; studyUid: string }>;
  sops: Set<string>;
}

/** Whether an earlier instance of the batch could change this one's judgement (then it waits for the next). */
function collides(c: Claims, hospitalId: string, a: InstanceAttrs): boolean {
  const st = c.studies.get(a.studyUid);
  if (
    st &&
    (st.hospitalId !== hospitalId ||
      !samePatient(a, { patient_id: st.a.patientId, issuer: st.a.issuer, patient_name: st.a.patientName }))
  )
    return true;
  const se = c.series.get(a.seriesUid);
  if (se && (se.hospitalId !== hospitalId || se.studyUid !== a.studyUid)) return true;
  return c.sops.has(a.sopInstanceUid);
}

/**
 * Index a batch inside `trx`. Returns each instance's outcome, or null for one deferred to the next batch.
 * Two round trips and the commit: identity locks (with the patient records' keys), holders, then the audit
 * chain's lock and head (taken last, as every appender does) → judgement, audit rows chained and signed → the new
 * patient/study/series rows, the instance rows and the audit rows in one statement, while the blobs are renamed
 * into place (a batch pays its directory fsyncs at once, overlapping its writes) → commit by the caller. The
 * blobs go into place only once every refusal was decided: a refused instance leaves nothing behind. Should the
 * writes fail after all, a blob may stay unreferenced, as after a crash; the sweep at start removes it.
 */
export async function indexBatch(
  trx: Trx,
  batch: PendingInstance[],
  /** Told how long the statements and the blobs' placing took (ingest-timing.ts). */
  timed: (stage: IngestStage, seconds: number) => void = () => undefined,
): Promise<(StoreResult | null)[]> {
  // The patient records' keys, each once: locked (space 4) and read under the lock.
  const patientKeys = new Map<string, { hospital: string; issuer: string; patientId: string }>();
  for (const { hospitalId, attrs: a } of batch)
    if (a.patientId)
      patientKeys.set(q.patientKey(hospitalId, a.issuer, a.patientId), {
        hospital: hospitalId,
        issuer: a.issuer,
        patientId: a.patientId,
      });
  const keys: q.LockKey[] = [
    ...batch.flatMap(({ attrs }) => identityKeys(attrs)),
    ...[...patientKeys.keys()].map((k) => [4, k] as q.LockKey),
  ];
  const locking = stopwatch();
  const { holders: h, audit } = await q.lockAndReadHolders(
    trx,
    keys,
    {
      studies: [...new Set(batch.map((p) => p.attrs.studyUid))],
      series: [...new Set(batch.map((p) => p.attrs.seriesUid))],
      sops: [...new Set(batch.map((p) => p.attrs.sopInstanceUid))],
    },
    [...patientKeys.values()],
    batch.length, // a seq value per instance that may be stored; those left unused are gaps, as after a rollback
  );
  timed('identity_lock', locking());

  const out: (StoreResult | null)[] = [];
  const accepted: PendingInstance[] = [];
  const slots: number[] = [];
  const claims: Claims = { studies: new Map(), series: new Map(), sops: new Set() };
  batch.forEach((p, i) => {
    const a = p.attrs;
    out.push(null);
    const prior = h.instances.find((x) => x.hospital_id === p.hospitalId && x.sop_uid === a.sopInstanceUid);
    if (prior) return void (out[i] = priorOutcome(prior, p.file.sha256, a));
    const fault = judgeIdentity(p.hospitalId, a, {
      studies: h.studies.filter((s) => s.study_uid === a.studyUid),
      series: h.series.filter((s) => s.series_uid === a.seriesUid),
      instances: h.instances.filter((x) => x.sop_uid === a.sopInstanceUid),
    });
    if (fault) return void (out[i] = failed('conflict', fault.reason, fault.failureCode, a));
    if (collides(claims, p.hospitalId, a)) return; // deferred: null
    claims.studies.set(a.studyUid, { hospitalId: p.hospitalId, a });
    claims.series.set(a.seriesUid, { hospitalId: p.hospitalId, studyUid: a.studyUid });
    claims.sops.add(a.sopInstanceUid);
    accepted.push(p);
    slots.push(i);
  });
  if (!accepted.length) return out;

  const rows = indexRows(accepted, h);
  const auditRows = chainRows(
    audit,
    accepted.map((p, k) => auditOf(p, rows.instances[k]!.study_ref)),
  );
  for (const p of accepted) if (ingestHooks.beforeCommit) await ingestHooks.beforeCommit(p.file.sha256);
  const since = stopwatch();
  const placing = Promise.all(
    accepted.map((p) => p.store.placeTemp(p.file.tempPath, p.file.sha256, p.file.size)),
  ).finally(() => timed('blob_place', since()));
  const writing = q.writeIndex(trx, rows, auditRows).finally(() => timed('index_write', since()));
  const [written, placed] = await Promise.allSettled([writing, placing]);
  if (written.status === 'rejected') throw written.reason;
  if (placed.status === 'rejected') throw placed.reason;
  for (const p of accepted) if (ingestHooks.afterBlob) await ingestHooks.afterBlob(p.file.sha256);
  accepted.forEach((p, k) => (out[slots[k]!] = storedResult(p.attrs, rows.instances[k]!.study_ref)));
  return out;
}

const auditOf = (p: PendingInstance, studyId: string): AuditInput => ({
  actor: p.actor,
  action: 'imaging.instance.store',
  entityType: 'imaging_study',
  entityId: studyId,
  ip: p.actor.ip,
  detail: { sopInstanceUid: p.attrs.sopInstanceUid, sha256: p.file.sha256 },
});
