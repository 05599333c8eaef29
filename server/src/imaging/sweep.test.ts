/** Crash leftovers swept at start (issue 12): temp parts, unreferenced blobs; split patients re-read. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { BlobStore } from './storage';
import { sweepLeftovers } from './sweep';
import { CT_SERIES, stowAs } from './testkit';

describe.each(DIALECTS)('start-up sweep (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  let store: BlobStore;
  const old = (p: string) =>
    fs.utimesSync(p, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    store = new BlobStore(t.config.dataDir);
    const r = await stowAs(t, s, [fs.readFileSync(CT_SERIES()[0]!.abs)]);
    expect(r.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  it('removes idle temp parts and unreferenced blobs, keeps indexed blobs and uploads in flight', async () => {
    const [row] = await t.db.selectFrom('imaging_instances').select('sha256').execute();
    old(store.pathOf(row!.sha256));
    const orphan = 'ab'.padEnd(64, '0');
    fs.mkdirSync(path.dirname(store.pathOf(orphan)), { recursive: true });
    fs.writeFileSync(store.pathOf(orphan), 'crashed before the index commit');
    old(store.pathOf(orphan));
    const freshOrphan = 'cd'.padEnd(64, '1');
    fs.mkdirSync(path.dirname(store.pathOf(freshOrphan)), { recursive: true });
    fs.writeFileSync(store.pathOf(freshOrphan), 'being indexed by another node right now');
    const deadTemp = store.newTempPath();
    fs.writeFileSync(deadTemp, 'interrupted upload');
    old(deadTemp);
    const liveTemp = store.newTempPath();
    fs.writeFileSync(liveTemp, 'upload in flight');

    const swept = await sweepLeftovers(t.db, store, 60_000);
    expect(swept).toMatchObject({ temp: 1, blobs: 1 });
    expect(fs.existsSync(store.pathOf(row!.sha256))).toBe(true);
    expect(fs.existsSync(store.pathOf(orphan))).toBe(false);
    expect(fs.existsSync(store.pathOf(freshOrphan))).toBe(true);
    expect(fs.existsSync(deadTemp)).toBe(false);
    expect(fs.existsSync(liveTemp)).toBe(true);
    fs.rmSync(liveTemp);
    fs.rmSync(store.pathOf(freshOrphan));
  });

  it('gives patient records split by the identity migration their own study’s name and sex back', async () => {
    await t.db
      .updateTable('imaging_patients')
      .set({ patient_name: 'FIRST^STUDYS^PATIENT', sex: 'O', refresh_demographics: true })
      .execute();
    const swept = await sweepLeftovers(t.db, store, 60_000);
    expect(swept.patients).toBe(1);
    const p = await t.db.selectFrom('imaging_patients').selectAll().executeTakeFirstOrThrow();
    const a = parsePart10(fs.readFileSync(CT_SERIES()[0]!.abs));
    if (!a.ok) throw new Error(a.reason);
    expect([p.patient_name, p.sex]).toEqual([a.attrs.patientName, a.attrs.sex]);
    expect(p.refresh_demographics).toBe(false);
  });
});
