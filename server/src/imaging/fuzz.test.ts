/**
 * Fuzz harness (issue 12): deterministic mutations of real corpus files — truncations in every region, lengths
 * past EOF, huge and "negative" lengths, unclosed and deeply nested sequences, absurd frame and size attributes,
 * broken fragments, charset garbage, flipped bytes — sent through STOW-RS and the browser upload. Asserts: no
 * 5xx, the process survives with bounded memory, every refusal names its fault, storage stays consistent (every
 * row has its blob, every blob its row, no temp file), and accepted files answer metadata/frames/rendered
 * without a 5xx. FUZZ_SEED picks another deterministic run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { mutantsOf, prng, type Mutant } from './fuzzkit';
import { BlobStore } from './storage';
import { CORPUS, stowAs } from './testkit';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const BASES = [
  'deb-pydicom/test_files/CT_small.dcm',
  'deb-pydicom/test_files/MR_small_implicit.dcm',
  'deb-pydicom/test_files/MR_small_bigendian.dcm',
  'deb-pydicom/test_files/MR_small_RLE.dcm',
  'deb-pydicom/test_files/rtdose.dcm',
  'deb-pydicom/test_files/SC_rgb_rle_2frame.dcm',
  'deb-pydicom/test_files/JPEG2000.dcm',
  'deb-pydicom/test_files/image_dfl.dcm',
  'deb-pydicom/test_files/liver_1frame.dcm',
  'generated/mf16.dcm',
  'generated/ts/jpeg_baseline.dcm',
  'generated/ct_series/slice_1.dcm',
];
/** A refusal names the fault: an attribute with its tag, or the structural fault in words. */
const NAMES_FAULT =
  /\([0-9A-F]{4},[0-9A-F]{4}\)|meta header|past (the )?end|truncated|malformed|not a DICOM|past the end|nested|fragment|Offset Table|transfer syntax|inflates|already (stored|belongs)|another patient|UID/;
/** Mutants that must be refused, and what the reason must name. */
const MUST_REFUSE: [RegExp, RegExp][] = [
  [/NumberOfFrames (2147483647|99999999999|0|-1|abc)$/, /NumberOfFrames \(0028,0008\)/],
  [/(Rows|Columns) 0$/, /(Rows|Columns) \(0028,001[01]\) is 0/],
  [/BitsAllocated (0|7|64)$/, /BitsAllocated \(0028,0100\)/],
  [/SamplesPerPixel (0|4)$/, /SamplesPerPixel \(0028,0002\)/],
  [/x[0-9a-f]{8} length (past EOF|0xFFFFFFF0|0x80000000)$/, /past the end|truncated|malformed/],
  [/pixel data length (past EOF|0x80000002)$/, /past the end|truncated|malformed/],
  [/sequences nested 20000 deep$/, /nested/],
  [/fragment length past EOF$/, /past the end|truncated|malformed|fragment/],
];
const MAX_RSS_GROWTH = 600 * 1024 * 1024;

describe(`fuzzed corpus files (seed ${SEED})`, () => {
  let t: TestApp;
  let s: Session;
  const rnd = prng(SEED);
  const mutants: Mutant[] = BASES.flatMap((p, k) => {
    const abs = path.join(CORPUS, p);
    if (!fs.existsSync(abs)) throw new Error(`corpus file missing: ${p}`);
    return mutantsOf(p, fs.readFileSync(abs), rnd, k + 1);
  });
  const accepted: { name: string; study: string; series: string; sop: string; frames: number }[] = [];
  let rssBase = 0;
  let rssMax = 0;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    s = await t.login('lankao.doctor');
    rssBase = process.memoryUsage().rss;
  });
  afterAll(async () => t?.close());

  it('generates a few hundred mutants', () => {
    expect(mutants.length).toBeGreaterThanOrEqual(250);
  });

  it('answers every mutant without a 5xx; every refusal names its fault', async () => {
    const bad: string[] = [];
    for (const [i, m] of mutants.entries()) {
      // Alternate STOW-RS and the browser upload.
      const res =
        i % 2 === 0
          ? await stowAs(t, s, [m.bytes])
          : await t.as(s, {
              method: 'POST',
              url: '/api/imaging/instances',
              headers: { 'content-type': 'application/dicom' },
              payload: m.bytes,
            });
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      if (res.statusCode >= 500) {
        bad.push(`${m.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        continue;
      }
      type Item = Record<string, { Value?: unknown[] } | undefined>;
      const json = res.json() as Item & { reason?: string | null };
      const failedItem = json['00081198']?.Value?.[0] as Item | undefined;
      const reason: string =
        i % 2 === 0 ? String(failedItem?.['00000902']?.Value?.[0] ?? '') : (json.reason ?? '');
      const ok = i % 2 === 0 ? res.statusCode === 200 : res.statusCode === 201 || res.statusCode === 200;
      const must = MUST_REFUSE.find(([n]) => n.test(m.name));
      if (must && (ok || !must[1].test(reason)))
        bad.push(`${m.name}: must be refused naming ${String(must[1])}; got ${res.statusCode} "${reason}"`);
      if (!ok) {
        expect(res.statusCode, m.name).toBeGreaterThanOrEqual(400);
        if (!NAMES_FAULT.test(reason) || /undefined|TypeError|exception/.test(reason))
          bad.push(`${m.name}: refusal does not name the fault: "${reason}"`);
        continue;
      }
      const r = parsePart10(m.bytes);
      if (!r.ok) {
        bad.push(`${m.name}: accepted but our own parser refuses it: ${r.reason}`);
        continue;
      }
      accepted.push({
        name: m.name,
        study: r.attrs.studyUid,
        series: r.attrs.seriesUid,
        sop: r.attrs.sopInstanceUid,
        frames: r.attrs.frames,
      });
    }
    expect(bad).toEqual([]);
    expect(accepted.length).toBeLessThan(mutants.length);
  }, 240_000);

  it('keeps memory bounded', () => {
    expect(rssMax - rssBase).toBeLessThan(MAX_RSS_GROWTH);
  });

  it('answers metadata, frames and rendered frames of every accepted mutant without a 5xx', async () => {
    expect(accepted.length).toBeGreaterThan(20);
    const bad: string[] = [];
    for (const a of accepted) {
      const inst = `/dicomweb/studies/${a.study}/series/${a.series}/instances/${a.sop}`;
      const urls = [`/dicomweb/studies/${a.study}/metadata`, `${inst}/metadata`];
      if (a.frames > 0)
        urls.push(
          `${inst}/frames/1`,
          `${inst}/frames/${a.frames}`,
          `${inst}/frames/1/rendered`,
          `${inst}/rendered`,
        );
      for (const url of urls) {
        const res = await t.as(s, { method: 'GET', url, headers: { accept: '*/*' } });
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
        if (res.statusCode >= 500) bad.push(`${a.name} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(rssMax - rssBase).toBeLessThan(MAX_RSS_GROWTH);
  }, 240_000);

  it('stores nothing partially: index and blob store agree, no temp files', async () => {
    const store = new BlobStore(t.config.dataDir);
    const rows = await t.db.selectFrom('imaging_instances').select(['sha256', 'size']).execute();
    const blobs = fs
      .readdirSync(store.blobDir)
      .flatMap((d) => fs.readdirSync(path.join(store.blobDir, d)))
      .sort();
    expect([...new Set(rows.map((r) => r.sha256))].sort()).toEqual(blobs);
    for (const r of rows) expect(fs.statSync(store.pathOf(r.sha256)).size).toBe(Number(r.size));
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
    const empty = await t.db
      .selectFrom('imaging_studies as st')
      .select('st.id')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('imaging_instances as i').select('i.id').whereRef('i.study_ref', '=', 'st.id'),
          ),
        ),
      )
      .execute();
    expect(empty).toEqual([]);
  });
});
