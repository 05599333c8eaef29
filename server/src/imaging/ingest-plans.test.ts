/**
 * Ingest's statements stay index lookups however large the archive grows (issue 14). Their cost must not grow with
 * the rows already stored: a sequential scan of the index tables in every batch makes each instance slower than the
 * one before it, and the start-up sweep slower with every blob. The archive here is synthetic, of two sizes (ROWS
 * of each kind, analysed; SIZES), each large enough that a planner choosing a scan over an index would show it; what
 * the statements did is read from the database's own counters for the transaction (pg_stat_xact_user_tables), on
 * either database.
 *
 * The class of fault: any ingest read or write (the holders read under the identity locks, the patient keys, the
 * audit chain's head, the index rows with their foreign keys), any lookup of a start (the sweep's blob hashes, the
 * demographics refresh) or any read by UID of a viewer (a frame's instance, a study) that scans a whole table.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, hospitalId, makeTestApp, type TestApp } from '../testing/harness';
import { offlineActor, type Actor } from '../auth/actor';
import type { Trx } from '../db/database';
import { parsePart10 } from './dicom';
import { indexBatch, type PendingInstance } from './ingest-batch';
import { otherUid, withValue } from './mutate';
import { findStudies, patientsToRefresh, referencedBlobs } from './queries';
import { findVisibleInstance } from './wado-queries';
import { BlobStore } from './storage';
import { SWEEP_BATCH } from './sweep';
import { CT_SERIES } from './testkit';

/**
 * Archive sizes: a large one, and a small one (a county hospital's first weeks), where a planner that cannot see how
 * few UIDs a batch looks up still finds a scan cheaper than the index probes (2026_12_12_0100_ingest_lookups_lateral).
 */
const [SMALL, LARGE] = [2_000, 20_000];
const SIZES = [SMALL, LARGE];
const TABLES = ['imaging_patients', 'imaging_studies', 'imaging_series', 'imaging_instances', 'audit_events'];

describe.each(DIALECTS.flatMap((d) => SIZES.map((rows) => [d, rows] as const)))(
  'imaging statements on an archive (%s, %i rows of each kind)',
  (dialect, ROWS) => {
    let t: TestApp;
    let store: BlobStore;
    let lankao: Actor;
    const slice = fs.readFileSync(CT_SERIES().find((f) => f.path.includes('slice_'))!.abs);

    /** The scans of the large tables by this connection not yet reported (this transaction and any before it). */
    const pending = async (trx: Trx) => {
      const { rows } = await sql<{ relname: string; seq_scan: number; idx_scan: number }>`
      select relname, seq_scan::int, idx_scan::int from pg_stat_xact_user_tables
      where schemaname = current_schema() and relname = any(${TABLES})`.execute(trx);
      return new Map(rows.map((r) => [r.relname, { seq: r.seq_scan, idx: r.idx_scan }]));
    };
    /** The scans of the large tables that `work` made, in a transaction of its own. */
    const scansOf = <T>(work: (trx: Trx) => Promise<T>) =>
      t.db.transaction().execute(async (trx) => {
        const before = await pending(trx);
        const value = await work(trx);
        const after = await pending(trx);
        const delta = (x: string, k: 'seq' | 'idx') => (after.get(x)?.[k] ?? 0) - (before.get(x)?.[k] ?? 0);
        return {
          value,
          seen: Object.fromEntries(TABLES.map((x) => [x, { seq: delta(x, 'seq'), idx: delta(x, 'idx') }])),
        };
      });

    /** The CT slice as a new instance: its study `study` (existing or not), patient `pid`, fresh series and SOP. */
    const instance = (study: string, pid: string, salt: number): PendingInstance => {
      const a0 = parsePart10(slice);
      if (!a0.ok) throw new Error(a0.reason);
      let b = withValue(slice, 'x0020000d', study, '\0');
      b = withValue(b, 'x0020000e', otherUid(a0.attrs.seriesUid, salt), '\0');
      b = withValue(b, 'x00080018', otherUid(a0.attrs.sopInstanceUid, salt), '\0');
      b = withValue(b, 'x00100020', pid);
      const r = parsePart10(b);
      if (!r.ok) throw new Error(r.reason);
      const tempPath = store.newTempPath();
      fs.writeFileSync(tempPath, b);
      return {
        store,
        actor: lankao,
        hospitalId: lankao.hospitalId!,
        attrs: r.attrs,
        file: { tempPath, sha256: crypto.createHash('sha256').update(b).digest('hex'), size: b.length },
      };
    };

    beforeAll(async () => {
      t = await makeTestApp(dialect);
      store = new BlobStore(t.config.dataDir);
      lankao = await offlineActor(t.db, { username: 'lankao.doctor' });
      const hospital = await hospitalId(t.db, 'Lankao');
      // ROWS patients, each with one study of one series of one instance; UIDs and keys numbered by g.
      await sql`insert into imaging_patients (id, hospital_id, patient_id, issuer, patient_name, birth_date, sex)
      select md5('p' || g)::uuid, ${hospital}, 'SYN' || g, '', 'SYN^' || g, '', ''
      from generate_series(1, ${ROWS}) g`.execute(t.db);
      await sql`insert into imaging_studies (id, hospital_id, patient_ref, study_uid, study_date, study_time,
        accession_number, study_id, study_description, referring_physician)
      select md5('s' || g)::uuid, ${hospital}, md5('p' || g)::uuid, '1.2.826.0.1.3680043.10.1.' || g,
        '20260101', '', '', '', '', ''
      from generate_series(1, ${ROWS}) g`.execute(t.db);
      await sql`insert into imaging_series (id, study_ref, series_uid, modality, series_description, body_part)
      select md5('e' || g)::uuid, md5('s' || g)::uuid, '1.2.826.0.1.3680043.10.2.' || g, 'CT', '', ''
      from generate_series(1, ${ROWS}) g`.execute(t.db);
      await sql`insert into imaging_instances (id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid,
        transfer_syntax_uid, frames, sha256, size)
      select md5('i' || g)::uuid, ${hospital}, md5('s' || g)::uuid, md5('e' || g)::uuid,
        '1.2.826.0.1.3680043.10.3.' || g, '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 1,
        encode(sha256(('i' || g)::bytea), 'hex'), 1000
      from generate_series(1, ${ROWS}) g`.execute(t.db);
      // ROWS earlier audit records (their chain is not this test's concern: only how the head is found).
      await sql`insert into audit_events (action, entity_type, outcome, at, prev_hash, hash)
      select 'test.synthetic', 'test', 'success', now(), md5('a' || g), md5('b' || g)
      from generate_series(1, ${ROWS}) g`.execute(t.db);
      for (const table of TABLES) await sql`analyze ${sql.table(table)}`.execute(t.db);
    }, 300_000);
    afterAll(async () => t?.close());

    it('a batch reads its holders, patient keys and the chain head, and writes its rows, without scanning a table', async () => {
      const batch = [
        instance('1.2.826.0.1.3680043.10.1.77', 'SYN77', 1), // a new series in a stored study, its patient's key
        instance('1.2.826.0.1.3680043.10.9.1', 'SYN78', 2), // a new study of a stored patient
        instance('1.2.826.0.1.3680043.10.9.2', 'NEW-1', 3), // a new study of a new patient
      ];
      const { value: outcome, seen } = await scansOf((trx) => indexBatch(trx, batch));
      for (const p of batch) fs.rmSync(p.file.tempPath, { force: true });
      expect(outcome.map((r) => r?.status)).toEqual(['stored', 'stored', 'stored']);
      // Every large table was read through an index, none scanned (all named at once when one fails).
      expect(Object.fromEntries(TABLES.map((x) => [x, seen[x]?.seq ?? 0]))).toEqual(
        Object.fromEntries(TABLES.map((x) => [x, 0])),
      );
      for (const x of TABLES) expect(seen[x]?.idx ?? 0, `${x} read through an index`).toBeGreaterThan(0);
    });

    // A start reads a sweep batch of 100 blob hashes at once: in the small archive one pass over the table is the
    // cheaper plan for that, once per start and sweep batch (not per instance stored). Asked of the large one only.
    if (ROWS === LARGE)
      it("a start's lookups find a sweep batch of blob hashes and the flagged patient records through indexes", async () => {
        const shas = Array.from({ length: SWEEP_BATCH }, (_x, g) =>
          crypto
            .createHash('sha256')
            .update(`i${g * 40 + 1}`)
            .digest('hex'),
        );
        await sql`update imaging_patients set refresh_demographics = true where id = md5('p5')::uuid`.execute(
          t.db,
        );
        await sql`analyze imaging_patients`.execute(t.db);
        const {
          value: [used, flagged],
          seen,
        } = await scansOf(
          async (trx) => [await referencedBlobs(trx, shas), await patientsToRefresh(trx)] as const,
        );
        expect(used.size).toBe(SWEEP_BATCH);
        expect(flagged).toHaveLength(1);
        const read = ['imaging_patients', 'imaging_studies', 'imaging_instances'];
        expect(Object.fromEntries(read.map((x) => [x, seen[x]?.seq ?? 0]))).toEqual(
          Object.fromEntries(read.map((x) => [x, 0])),
        );
        for (const x of read) expect(seen[x]?.idx ?? 0, `${x} read through an index`).toBeGreaterThan(0);
      });
    it("a viewer's reads by UID (a frame's instance, a study) go through indexes, also as a kept prepared plan", async () => {
      const k = ROWS / 2 + 321;
      const uids = {
        study: `1.2.826.0.1.3680043.10.1.${k}`,
        series: `1.2.826.0.1.3680043.10.2.${k}`,
        sop: `1.2.826.0.1.3680043.10.3.${k}`,
      };
      const {
        value: [found, studies],
        seen,
      } = await scansOf(async (trx) => {
        // Enough runs for a named prepared statement to settle on its generic plan (after the fifth).
        let row: Awaited<ReturnType<typeof findVisibleInstance>>;
        for (let i = 0; i < 8; i++) row = await findVisibleInstance(trx, lankao, uids);
        return [row, await findStudies(trx, lankao, uids.study)] as const;
      });
      expect(found?.sop_uid).toBe(uids.sop);
      expect(studies).toHaveLength(1);
      const read = ['imaging_studies', 'imaging_series', 'imaging_instances'];
      expect(Object.fromEntries(read.map((x) => [x, seen[x]?.seq ?? 0]))).toEqual(
        Object.fromEntries(read.map((x) => [x, 0])),
      );
    });
  },
);
