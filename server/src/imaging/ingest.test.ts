import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { ingestHooks } from './ingest';
import { BlobStore } from './storage';
import { CT_SERIES, corpusFiles, stowBody } from './testkit';

const count = async (
  t: TestApp,
  table: 'imaging_instances' | 'imaging_studies' | 'imaging_series' | 'imaging_patients',
) =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(DIALECTS)('ingest: concurrency and crash safety (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  let store: BlobStore;
  const series = CT_SERIES()
    .filter((f) => f.path.includes('slice_'))
    .map((f) => fs.readFileSync(f.abs));

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    store = new BlobStore(t.config.dataDir);
  });
  afterEach(() => {
    ingestHooks.afterBlob = null;
    ingestHooks.beforeCommit = null;
  });
  afterAll(async () => t?.close());

  const stow = (files: Buffer[], sess = s) => {
    const { body, contentType } = stowBody(files);
    return t.as(sess, {
      method: 'POST',
      url: '/dicomweb/studies',
      headers: { 'content-type': contentType },
      payload: body,
    });
  };

  it('concurrent uploads of the same study create one patient, study, series and one row per instance', async () => {
    const shuffled = [...series].reverse();
    const results = await Promise.all([
      stow(series),
      stow(shuffled),
      stow(series.slice(0, 5)),
      stow(shuffled.slice(0, 5)),
    ]);
    for (const r of results) expect(r.statusCode).toBe(200);
    expect(await count(t, 'imaging_instances')).toBe(series.length);
    expect(await count(t, 'imaging_series')).toBe(1);
    expect(await count(t, 'imaging_studies')).toBe(1);
    expect(await count(t, 'imaging_patients')).toBe(1);
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
  });

  it('a crash after the blob is durable and before the index commit leaves no row and no half-listed study; a re-send stores it', async () => {
    const file = fs.readFileSync(CT_SERIES().find((f) => f.path.endsWith('ct_1.dcm'))!.abs);
    const before = { i: await count(t, 'imaging_instances'), st: await count(t, 'imaging_studies') };
    ingestHooks.afterBlob = () => {
      throw new Error('simulated crash after blob write');
    };
    const r1 = await stow([file]);
    expect(r1.statusCode).toBe(500);
    expect(await count(t, 'imaging_instances')).toBe(before.i);
    expect(await count(t, 'imaging_studies')).toBe(before.st);
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
    ingestHooks.afterBlob = null;
    const r2 = await stow([file]);
    expect(r2.statusCode).toBe(200);
    expect(await count(t, 'imaging_instances')).toBe(before.i + 1);
  });

  it('a crash inside the index transaction rolls back patient, study, series and instance rows together', async () => {
    const file = fs.readFileSync(corpusFiles().find((f) => f.path.endsWith('generated/dx.dcm'))!.abs);
    const before = await Promise.all(
      (['imaging_instances', 'imaging_studies', 'imaging_series', 'imaging_patients'] as const).map((x) =>
        count(t, x),
      ),
    );
    ingestHooks.beforeCommit = () => {
      throw new Error('simulated crash before commit');
    };
    expect((await stow([file])).statusCode).toBe(500);
    const after = await Promise.all(
      (['imaging_instances', 'imaging_studies', 'imaging_series', 'imaging_patients'] as const).map((x) =>
        count(t, x),
      ),
    );
    expect(after).toEqual(before);
    ingestHooks.beforeCommit = null;
    expect((await stow([file])).statusCode).toBe(200);
  });

  it('every index row has a durable blob with its hash; temp files of a crashed process are swept at start', async () => {
    const rows = await t.db.selectFrom('imaging_instances').select('sha256').execute();
    for (const r of rows) expect(fs.existsSync(store.pathOf(r.sha256))).toBe(true);
    const stale = path.join(store.tmpDir, 'crashed.part');
    fs.writeFileSync(stale, 'half an upload');
    const old = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stale, old, old);
    expect(new BlobStore(t.config.dataDir).sweepTemp()).toBe(1);
    expect(fs.existsSync(stale)).toBe(false);
  });

  it('a body cut short stores the complete parts before it and names the fault (202)', async () => {
    const { body, contentType } = stowBody([
      fs.readFileSync(corpusFiles().find((f) => f.path.endsWith('generated/img2dcm_sc.dcm'))!.abs),
      series[0]!,
    ]);
    const cut = body.subarray(0, body.length - 2000);
    const r = await t.as(s, {
      method: 'POST',
      url: '/dicomweb/studies',
      headers: { 'content-type': contentType },
      payload: cut,
    });
    expect(r.statusCode).toBe(202);
    const failed = r.json()['00081198'].Value[0]['00000902'].Value[0] as string;
    expect(failed).toMatch(/cut short/);
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
  });

  it('rejects a non-multipart body with 415 and a missing boundary with 400', async () => {
    const a = await t.as(s, {
      method: 'POST',
      url: '/dicomweb/studies',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(a.statusCode).toBe(415);
    const b = await t.as(s, {
      method: 'POST',
      url: '/dicomweb/studies',
      headers: { 'content-type': 'multipart/related; type="application/dicom"' },
      payload: 'x',
    });
    expect(b.statusCode).toBe(400);
    expect(b.json().message).toMatch(/boundary/);
  });
});
