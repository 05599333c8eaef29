/**
 * Group commit of the ingest index (ingest-batch.ts): instances waiting together are indexed in one transaction,
 * each caller gets its own outcome, and an instance that an earlier one of the same batch could change the
 * judgement of (the same SOP instance, a study claimed by another hospital) is judged after it, exactly as if
 * they had come one at a time. Instances are handed to the batcher in one tick behind a first one that is already
 * committing, so they share a batch on either database.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../testing/harness';
import { waitFor } from '../testing/load';
import { offlineActor, type Actor } from '../auth/actor';
import { recordAudit, verifyAuditChain } from '../audit/service';
import { parsePart10 } from './dicom';
import { expectInstance, ingestBatchStats, submitInstance, type PendingInstance } from './ingest-batch';
import { ingestHooks } from './ingest-result';
import * as q from './ingest-queries';
import { otherUid, withValue } from './mutate';
import { BlobStore } from './storage';
import { CT_SERIES } from './testkit';

const STUDY = 'x0020000d';
const SERIES = 'x0020000e';
const SOP = 'x00080018';
const PID = 'x00100020';
const STUDY_DATE = 'x00080020';

describe.each(DIALECTS)('ingest group commit (%s)', (dialect) => {
  let t: TestApp;
  let store: BlobStore;
  let lankao: Actor;
  let linquan: Actor;
  const slices = CT_SERIES()
    .filter((f) => f.path.includes('slice_'))
    .map((f) => fs.readFileSync(f.abs));
  const attrsOf = (b: Uint8Array) => {
    const r = parsePart10(b);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  };
  /** Until a transaction waits for the patient-record lock of `key` (ingest-queries.ts: space 4), at most 20 s. */
  const waitsOnLock = (key: string) =>
    waitFor(
      async () =>
        (
          await sql<{ n: number }>`select count(*)::int as n from pg_locks
            where locktype = 'advisory' and not granted and classid = 4 and objid = hashtext(${key})::oid`.execute(
            t.db,
          )
        ).rows[0]!.n > 0,
      20_000,
      'the second batch to wait on the patient lock',
    );
  /** A copy of slice k in a study, series and SOP instance of its own (`tag` makes it unique per test). */
  const fresh = (k: number, tag: number) => {
    const a = attrsOf(slices[k]!);
    return withValue(
      withValue(
        withValue(slices[k]!, STUDY, otherUid(a.studyUid, tag), '\0'),
        SERIES,
        otherUid(a.seriesUid, tag),
        '\0',
      ),
      SOP,
      otherUid(a.sopInstanceUid, tag * 100 + k),
      '\0',
    );
  };
  /** An instance as storeInstance hands it over: a synced temp file, its hash and its scanned attributes. */
  const pending = (actor: Actor, bytes: Uint8Array): PendingInstance => {
    const tempPath = store.newTempPath();
    fs.writeFileSync(tempPath, bytes);
    return {
      store,
      actor,
      hospitalId: actor.hospitalId!,
      attrs: attrsOf(bytes),
      file: { tempPath, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), size: bytes.length },
    };
  };
  /** Submit all in one tick; the temp files of refused ones are the caller's to remove (storeInstance does). */
  const submitAll = async (items: PendingInstance[]) => {
    const before = { ...ingestBatchStats };
    const results = await Promise.all(items.map((p) => submitInstance(t.db, p)));
    for (const p of items) fs.rmSync(p.file.tempPath, { force: true });
    return {
      results,
      batches: ingestBatchStats.batches - before.batches,
      deferred: ingestBatchStats.deferred - before.deferred,
    };
  };
  const rowsOf = (sop: string) =>
    t.db.selectFrom('imaging_instances').select(['sha256']).where('sop_uid', '=', sop).execute();

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    store = new BlobStore(t.config.dataDir);
    lankao = await offlineActor(t.db, { username: 'lankao.doctor' });
    linquan = await offlineActor(t.db, { username: 'linquan.doctor' });
  });
  afterAll(async () => t?.close());

  it('instances waiting together share transactions; each is answered with its own outcome and audited once', async () => {
    const files = slices.map((_b, k) => fresh(k, 1));
    const r = await submitAll(files.map((b) => pending(lankao, b)));
    expect(r.results.map((x) => x.status)).toEqual(files.map(() => 'stored'));
    expect(r.batches).toBeLessThan(files.length);
    for (const b of files) {
      const a = attrsOf(b);
      expect(await rowsOf(a.sopInstanceUid)).toHaveLength(1);
      expect(fs.existsSync(store.pathOf(crypto.createHash('sha256').update(b).digest('hex')))).toBe(true);
    }
    const audited = await t.db
      .selectFrom('audit_events')
      .select('detail')
      .where('action', '=', 'imaging.instance.store')
      .execute();
    const sops = audited.map(
      (e) => (JSON.parse(String(e.detail)) as { sopInstanceUid: string }).sopInstanceUid,
    );
    for (const b of files) expect(sops.filter((s) => s === attrsOf(b).sopInstanceUid)).toHaveLength(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
  });

  it('audited changes appended meanwhile and concurrent batches all commit: the chain lock is always taken last, never in a cycle', async () => {
    const files = slices.map((_b, k) => fresh(k, 32));
    const [ingest] = await Promise.all([
      submitAll(files.map((b) => pending(lankao, b))),
      ...Array.from({ length: 8 }, (_x, k) =>
        recordAudit(t.db, { actor: null, action: 'test.meanwhile', entityType: 'test', entityId: String(k) }),
      ),
    ]);
    expect(ingest.results.map((x) => x.status)).toEqual(files.map(() => 'stored'));
    const chain = await verifyAuditChain(t.db);
    expect(chain.ok).toBe(true);
    const meanwhile = await t.db
      .selectFrom('audit_events')
      .select('entity_id')
      .where('action', '=', 'test.meanwhile')
      .execute();
    expect(meanwhile).toHaveLength(8);
  });

  it('a ready batch waits for an instance on its way (a part being synced and scanned), so both share one transaction', async () => {
    const [x, y] = [fresh(0, 9), fresh(1, 9)];
    const before = { ...ingestBatchStats };
    const coming = expectInstance(t.db);
    const first = submitInstance(t.db, pending(lankao, x));
    const second = submitInstance(t.db, pending(lankao, y), coming);
    expect((await Promise.all([first, second])).map((r) => r.status)).toEqual(['stored', 'stored']);
    expect(ingestBatchStats.batches - before.batches).toBe(1);
  });

  it('the wait is bounded: an instance announced but never handed over does not hold a batch back', async () => {
    const stuck = expectInstance(t.db);
    try {
      const r = await submitInstance(t.db, pending(lankao, fresh(0, 10)));
      expect(r.status).toBe('stored');
    } finally {
      stuck.done();
    }
  });

  it('the same SOP instance twice in one batch: the first is stored, a byte-identical copy is already stored, a changed one is refused', async () => {
    const x = fresh(1, 2);
    const changed = withValue(x, STUDY_DATE, '19990101');
    const r = await submitAll([
      pending(lankao, fresh(0, 2)),
      pending(lankao, x),
      pending(lankao, x),
      pending(lankao, changed),
    ]);
    expect(r.results.map((y) => y.status)).toEqual(['stored', 'stored', 'already_stored', 'conflict']);
    expect(r.results[3]!.failureCode).toBe(0x0111);
    expect(r.results[3]!.reason).toMatch(/already stored with different content/);
    const rows = await rowsOf(attrsOf(x).sopInstanceUid);
    expect(rows).toEqual([{ sha256: crypto.createHash('sha256').update(x).digest('hex') }]);
  });

  it('two hospitals’ instances of one new study in one batch: the first is stored, the other refused naming another hospital', async () => {
    const mine = withValue(fresh(0, 3), PID, 'LK-BATCH');
    const theirs = withValue(
      withValue(mine, SOP, otherUid(attrsOf(mine).sopInstanceUid, 9), '\0'),
      PID,
      'LQ-BATCH',
    );
    const r = await submitAll([
      pending(lankao, fresh(1, 4)),
      pending(lankao, mine),
      pending(linquan, theirs),
    ]);
    expect(r.results.map((y) => y.status)).toEqual(['stored', 'stored', 'conflict']);
    expect(r.results[2]!.reason).toMatch(/another hospital/);
    expect(r.results[2]!.failureCode).toBe(0xa900);
    const held = await t.db
      .selectFrom('imaging_studies')
      .select('hospital_id')
      .where('study_uid', '=', attrsOf(mine).studyUid)
      .execute();
    expect(held).toEqual([{ hospital_id: lankao.hospitalId }]);
    expect(await rowsOf(attrsOf(theirs).sopInstanceUid)).toEqual([]);
  });

  it('two batches creating one new patient’s record at once (two studies, one Patient ID): both stored, one record', async () => {
    const first = withValue(fresh(0, 5), PID, 'LK-RACE');
    const second = withValue(fresh(1, 6), PID, 'LK-RACE');
    const sha = crypto.createHash('sha256').update(first).digest('hex');
    // The first batch holds its uncommitted patient row while the second batch (on PostgreSQL it runs alongside)
    // writes the same patient: the second must see the first's record once it committed, not miss it. The first is
    // released only once the second waits on the patient's lock (PostgreSQL) or is queued behind it (PGlite's one
    // connection), so the race happens every run.
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const atCommit = new Promise<void>((r) => (reached = r));
    ingestHooks.beforeCommit = (s) => {
      if (s !== sha) return undefined;
      reached();
      return held;
    };
    try {
      const a = submitInstance(t.db, pending(lankao, first));
      await atCommit;
      const b = submitInstance(t.db, pending(lankao, second));
      if (dialect === 'postgres')
        await waitsOnLock(q.patientKey(lankao.hospitalId!, attrsOf(first).issuer, 'LK-RACE'));
      release();
      const results = await Promise.all([a, b]);
      expect(results.map((x) => x.status)).toEqual(['stored', 'stored']);
    } finally {
      ingestHooks.beforeCommit = null;
    }
    const refs = await t.db
      .selectFrom('imaging_studies')
      .select('patient_ref')
      .where('study_uid', 'in', [attrsOf(first).studyUid, attrsOf(second).studyUid])
      .execute();
    expect(refs).toHaveLength(2);
    expect(new Set(refs.map((r) => r.patient_ref)).size).toBe(1);
  });

  // PGlite has one connection, so its pg_prepared_statements lists every statement the batcher prepared (on
  // PostgreSQL each pooled connection has its own list, out of a test's sight).
  if (dialect === 'pglite')
    it('a batch of any size runs the same prepared statements (no statement text depends on how many rows it writes)', async () => {
      const prepared = async () =>
        (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(t.db)).rows
          .map((r) => r.statement)
          .sort();
      await submitAll([pending(lankao, fresh(0, 7))]);
      const afterOne = await prepared();
      const files = slices.map((_b, k) => fresh(k, 8));
      const r = await submitAll(files.map((b) => pending(lankao, b)));
      expect(r.results.map((x) => x.status)).toEqual(files.map(() => 'stored'));
      expect(r.batches).toBeLessThan(files.length); // some batch held several instances
      expect(await prepared()).toEqual(afterOne);
      expect(afterOne.some((s) => s.includes('imaging_instances'))).toBe(true);
      expect(afterOne.some((s) => s.includes('audit_events'))).toBe(true);
    });

  if (dialect === 'pglite')
    it('a batch writes its index rows, its audit rows and the signed head in one statement', async () => {
      const r = await submitAll([pending(lankao, fresh(1, 31))]);
      expect(r.results.map((x) => x.status)).toEqual(['stored']);
      const statements = (
        await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(t.db)
      ).rows.map((r) => r.statement.replace(/\s+/g, ' '));
      const writes = statements.filter((s) => /insert into imaging_/.test(s));
      expect(writes).toHaveLength(1);
      for (const table of [
        'imaging_patients',
        'imaging_studies',
        'imaging_series',
        'imaging_instances',
        'audit_events',
        'audit_checkpoint',
      ])
        expect(writes[0]).toContain(`insert into ${table}`);
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    });
});
