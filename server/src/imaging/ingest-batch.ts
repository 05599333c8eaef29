import crypto from 'node:crypto';
import type { Insertable } from 'kysely';
import type { DB, Trx } from '../db/database';
import { poolOf } from '../db/connect';
import { uploaderId, type Actor } from '../auth/actor';
import { appendAuditEntries, type AuditInput } from '../audit/service';
import type { InstanceAttrs } from './dicom';
import { SCAN_VERSION } from './scan';
import type { BlobStore } from './storage';
import { judgeIdentity, samePatient } from './identity';
import { failed, ingestHooks, priorOutcome, storedResult, type StoreResult } from './ingest-result';
import * as q from './ingest-queries';
import type { ImagingInstanceTable, ImagingPatientTable } from './tables';

/**
 * Group commit of the index (issue 14). Instances that are scanned, validated and synced to disk wait here; one
 * transaction indexes a whole batch — identity locks, the identity judgement, patient/study/series/instance rows,
 * the blobs renamed into place and the audit entries, each kind in one statement — and every instance's caller
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
}

/** Most instances in one transaction (bounds its statements' size and the time its locks are held). */
export const MAX_BATCH = 64;

const uuid = () => crypto.randomUUID();

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

class IngestBatcher {
  #queue: Waiting[] = [];
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
      this.#queue.push({ ...p, resolve, reject });
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
      const batch = this.#queue.splice(0, MAX_BATCH);
      this.#running++;
      void this.#commit(batch).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #commit(batch: Waiting[]): Promise<void> {
    let outcome: (StoreResult | null)[];
    try {
      outcome = await this.db.transaction().execute((trx) => indexBatch(trx, batch));
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
 * Order: identity locks (with the patient records' keys) → holders → judgement → patient/study/series/instance
 * rows → hook → blobs renamed into place (in parallel; a batch pays its directory fsyncs at once) → audit entries
 * (the chain's lock is taken last, so it is held for the shortest time) → commit by the caller.
 */
async function indexBatch(trx: Trx, batch: PendingInstance[]): Promise<(StoreResult | null)[]> {
  const keys: q.LockKey[] = batch.flatMap(({ hospitalId, attrs: a }) => [
    [1, a.studyUid] as q.LockKey,
    [2, a.seriesUid] as q.LockKey,
    [3, a.sopInstanceUid] as q.LockKey,
    ...(a.patientId ? [[4, q.patientKey(hospitalId, a.issuer, a.patientId)] as q.LockKey] : []),
  ]);
  const h = await q.lockAndReadHolders(trx, keys, {
    studies: [...new Set(batch.map((p) => p.attrs.studyUid))],
    series: [...new Set(batch.map((p) => p.attrs.seriesUid))],
    sops: [...new Set(batch.map((p) => p.attrs.sopInstanceUid))],
  });

  const out: (StoreResult | null)[] = [];
  const accepted: { p: PendingInstance; i: number }[] = [];
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
    accepted.push({ p, i });
  });
  if (!accepted.length) return out;

  const refs = await writeHierarchy(
    trx,
    accepted.map((x) => x.p),
    h,
  );
  const rows = accepted.map(({ p }) => instanceRow(p, refs.get(hierarchyKey(p))!));
  const inserted = await q.insertInstances(trx, rows);
  // Under the SOP lock a row cannot appear meanwhile; should one, that instance is judged again in the next batch.
  const stored = accepted.map((x, k) => ({ ...x, row: rows[k]! })).filter((x) => inserted.has(x.row.id));
  for (const { p } of stored) if (ingestHooks.beforeCommit) await ingestHooks.beforeCommit(p.file.sha256);
  // The blobs go into place only now: every refusal above left nothing behind.
  await Promise.all(stored.map(({ p }) => p.store.placeTemp(p.file.tempPath, p.file.sha256, p.file.size)));
  for (const { p } of stored) if (ingestHooks.afterBlob) await ingestHooks.afterBlob(p.file.sha256);
  await appendAuditEntries(
    trx,
    stored.map(({ p, row }) => auditOf(p, row.study_ref)),
  );
  for (const { p, i, row } of stored) out[i] = storedResult(p.attrs, row.study_ref);
  return out;
}

const hierarchyKey = (p: PendingInstance) => `${p.hospitalId}\0${p.attrs.studyUid}\0${p.attrs.seriesUid}`;

const auditOf = (p: PendingInstance, studyId: string): AuditInput => ({
  actor: p.actor,
  action: 'imaging.instance.store',
  entityType: 'imaging_study',
  entityId: studyId,
  ip: p.actor.ip,
  detail: { sopInstanceUid: p.attrs.sopInstanceUid, sha256: p.file.sha256 },
});

function instanceRow(p: PendingInstance, studyAndSeries: { study: string; series: string }) {
  const a = p.attrs;
  return {
    id: uuid(),
    hospital_id: p.hospitalId,
    study_ref: studyAndSeries.study,
    series_ref: studyAndSeries.series,
    sop_uid: a.sopInstanceUid,
    sop_class_uid: a.sopClassUid,
    transfer_syntax_uid: a.transferSyntaxUid,
    instance_number: a.instanceNumber,
    rows: a.rows,
    columns: a.columns,
    frames: a.frames,
    bits_allocated: a.bitsAllocated,
    pixel_offset: a.frameIndex?.offset ?? null,
    frame_length: a.frameIndex?.length ?? null,
    frame_spans: a.frameSpans,
    scan_version: SCAN_VERSION,
    sha256: p.file.sha256,
    size: p.file.size,
    uploaded_by: uploaderId(p.actor),
  } satisfies Insertable<ImagingInstanceTable> & { id: string };
}

/**
 * Insert-or-find the patients, studies and series of the accepted instances (one statement per kind).
 * A patient with a Patient ID is found by hospital + issuer + ID; without one, the study's own patient record, or
 * one new record per new study. Returns hierarchyKey → the study and series ids.
 */
async function writeHierarchy(trx: Trx, accepted: PendingInstance[], h: q.BatchHolders) {
  const patients = new Map<string, string>(); // `hospital \0 study UID` → patient record id
  const newPatients: (Insertable<ImagingPatientTable> & { id: string })[] = [];
  const byKey = new Map<string, PendingInstance[]>();
  for (const p of accepted) {
    const a = p.attrs;
    const sk = `${p.hospitalId}\0${a.studyUid}`;
    if (patients.has(sk)) continue;
    if (a.patientId) {
      const pk = q.patientKey(p.hospitalId, a.issuer, a.patientId);
      if (!byKey.has(pk)) newPatients.push(patientRow(p.hospitalId, a));
      byKey.set(pk, [...(byKey.get(pk) ?? []), p]);
      continue;
    }
    const existing = h.studies.find((s) => s.hospital_id === p.hospitalId && s.study_uid === a.studyUid);
    if (existing) patients.set(sk, existing.patient_ref);
    else {
      const row = patientRow(p.hospitalId, a);
      newPatients.push(row);
      patients.set(sk, row.id);
    }
  }
  const found = await q.upsertPatients(
    trx,
    newPatients,
    [...byKey.values()].map(([p]) => ({
      hospital: p!.hospitalId,
      issuer: p!.attrs.issuer,
      patientId: p!.attrs.patientId,
    })),
  );
  for (const f of found)
    for (const p of byKey.get(q.patientKey(f.hospital_id, f.issuer, f.patient_id)) ?? [])
      patients.set(`${p.hospitalId}\0${p.attrs.studyUid}`, f.id);

  const studyRows = new Map<string, Parameters<typeof q.upsertStudies>[1][number]>();
  for (const p of accepted) {
    const a = p.attrs;
    const sk = `${p.hospitalId}\0${a.studyUid}`;
    if (studyRows.has(sk)) continue;
    studyRows.set(sk, {
      id: uuid(),
      hospital_id: p.hospitalId,
      patient_ref: patients.get(sk)!,
      study_uid: a.studyUid,
      study_date: a.studyDate,
      study_time: a.studyTime,
      accession_number: a.accessionNumber,
      study_id: a.studyId,
      study_description: a.studyDescription,
      referring_physician: a.referringPhysician,
      uploaded_by: uploaderId(p.actor),
    });
  }
  const studies = new Map(
    (await q.upsertStudies(trx, [...studyRows.values()])).map((s) => [
      `${s.hospital_id}\0${s.study_uid}`,
      s.id,
    ]),
  );

  const seriesRows = new Map<string, Parameters<typeof q.upsertSeries>[1][number]>();
  for (const p of accepted) {
    const a = p.attrs;
    const study = studies.get(`${p.hospitalId}\0${a.studyUid}`)!;
    const key = `${study}\0${a.seriesUid}`;
    if (seriesRows.has(key)) continue;
    seriesRows.set(key, {
      id: uuid(),
      study_ref: study,
      series_uid: a.seriesUid,
      modality: a.modality,
      series_number: a.seriesNumber,
      series_description: a.seriesDescription,
      body_part: a.bodyPart,
    });
  }
  const series = new Map(
    (await q.upsertSeries(trx, [...seriesRows.values()])).map((s) => [
      `${s.study_ref}\0${s.series_uid}`,
      s.id,
    ]),
  );

  const out = new Map<string, { study: string; series: string }>();
  for (const p of accepted) {
    const study = studies.get(`${p.hospitalId}\0${p.attrs.studyUid}`)!;
    out.set(hierarchyKey(p), { study, series: series.get(`${study}\0${p.attrs.seriesUid}`)! });
  }
  return out;
}

const patientRow = (hospitalId: string, a: InstanceAttrs) => ({
  id: uuid(),
  hospital_id: hospitalId,
  patient_id: a.patientId,
  issuer: a.issuer,
  patient_name: a.patientName,
  birth_date: a.birthDate,
  sex: a.sex,
});
