/**
 * Every transfer syntax in the DICOM corpus renders in the real viewer bundle in Chromium.
 *
 * The corpus's generated/ts/ variants are one image in 21 transfer syntaxes sharing one SOP Instance UID; the server
 * refuses the same SOP Instance UID with different bytes within a hospital (409), so they cannot all be uploaded.
 * Instead the test opens the viewer route (which loads the lazy viewer bundle) and calls its test hook
 * `window.__renderFile` (client/src/features/viewer/testHook.ts): the file is loaded through the viewer's own
 * initialised cornerstone + wado loader (`wadouri:` scheme, metadata providers, codec worker), displayed in a
 * 256x256 enabled element, and the canvas's non-black pixels are counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  CORPUS_DIR,
  login,
  newPage,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';
// The window.__renderFile hook's contract (declares it on Window).
import type {} from '../../client/src/features/viewer/testHook.types';

screenshotsOnFailure();

interface Case {
  /** Transfer syntax name (DICOM PS3.6). */
  syntax: string;
  uid: string;
  file: string;
  frame?: number;
  width: number;
  height: number;
  /** Lossless encodings of the phantom must decode to exactly the raw file's stored value range. */
  range?: [number, number];
}

/** Stored value range of the raw phantom (explicit_le.dcm); every lossless variant must decode to the same. */
const PHANTOM_RANGE: [number, number] = [24, 1724];
const TS = 'generated/ts/';
const phantom = (syntax: string, uid: string, file: string, lossless = true): Case => ({
  syntax,
  uid,
  file: TS + file,
  width: 256,
  height: 256,
  ...(lossless ? { range: PHANTOM_RANGE } : {}),
});

/** 20 of the 21 files of generated/ts/ plus the multi-frame and GB18030 files (the 21st: see the last describe). */
const CASES: Case[] = [
  phantom('Implicit VR Little Endian', '1.2.840.10008.1.2', 'implicit_le.dcm'),
  phantom('Explicit VR Little Endian', '1.2.840.10008.1.2.1', 'explicit_le.dcm'),
  phantom('Explicit VR Little Endian (decoded back from JPEG)', '1.2.840.10008.1.2.1', 'djpeg_back.dcm'),
  phantom('Explicit VR Little Endian (decoded back from JPEG-LS)', '1.2.840.10008.1.2.1', 'djpls_back.dcm'),
  phantom('Explicit VR Little Endian (decoded back from RLE)', '1.2.840.10008.1.2.1', 'drle_back.dcm'),
  phantom(
    'Explicit VR Little Endian (decoded back from JPEG 2000)',
    '1.2.840.10008.1.2.1',
    'j2k_back_to_raw.dcm',
  ),
  phantom('Deflated Explicit VR Little Endian', '1.2.840.10008.1.2.1.99', 'deflate.dcm'),
  phantom('Explicit VR Big Endian', '1.2.840.10008.1.2.2', 'explicit_be.dcm'),
  phantom('RLE Lossless', '1.2.840.10008.1.2.5', 'rle.dcm'),
  phantom('RLE Lossless (GDCM)', '1.2.840.10008.1.2.5', 'gdcm_rle.dcm'),
  phantom('JPEG Baseline (Process 1)', '1.2.840.10008.1.2.4.50', 'jpeg_baseline.dcm', false),
  phantom('JPEG Extended (Process 2 and 4)', '1.2.840.10008.1.2.4.51', 'jpeg_extended.dcm', false),
  phantom('JPEG Lossless, Non-Hierarchical (Process 14)', '1.2.840.10008.1.2.4.57', 'jpeg_lossless_p14.dcm'),
  phantom(
    'JPEG Lossless, First-Order Prediction (Process 14 SV1)',
    '1.2.840.10008.1.2.4.70',
    'jpeg_lossless_sv1.dcm',
  ),
  phantom(
    'JPEG Lossless, First-Order Prediction (Process 14 SV1), GDCM',
    '1.2.840.10008.1.2.4.70',
    'gdcm_jpeg.dcm',
  ),
  phantom('JPEG-LS Lossless', '1.2.840.10008.1.2.4.80', 'jpegls_lossless.dcm'),
  phantom('JPEG-LS Lossless (GDCM)', '1.2.840.10008.1.2.4.80', 'gdcm_jpegls.dcm'),
  phantom('JPEG-LS Lossy (Near-Lossless)', '1.2.840.10008.1.2.4.81', 'jpegls_near.dcm', false),
  phantom('JPEG 2000 (Lossless Only)', '1.2.840.10008.1.2.4.90', 'j2k_lossless.dcm'),
  phantom('JPEG 2000', '1.2.840.10008.1.2.4.91', 'j2k_lossy.dcm', false),
  // Multi-frame: no ImageOrientationPatient/Modality, needs the imagePlaneModule workaround in cornerstone.ts.
  {
    syntax: 'Explicit VR Little Endian, 3 frames, frame 0',
    uid: '1.2.840.10008.1.2.1',
    file: 'generated/mf16.dcm',
    frame: 0,
    width: 256,
    height: 256,
    range: PHANTOM_RANGE,
  },
  {
    syntax: 'Explicit VR Little Endian, 3 frames, frame 2',
    uid: '1.2.840.10008.1.2.1',
    file: 'generated/mf16.dcm',
    frame: 2,
    width: 256,
    height: 256,
    range: PHANTOM_RANGE,
  },
  {
    syntax: 'JPEG-LS Lossless, 3 frames, frame 1',
    uid: '1.2.840.10008.1.2.4.80',
    file: 'generated/mf16_jls.dcm',
    frame: 1,
    width: 256,
    height: 256,
    range: PHANTOM_RANGE,
  },
  {
    syntax: 'Explicit VR Little Endian, GB18030 character set',
    uid: '1.2.840.10008.1.2.1',
    file: 'deb-pydicom/charset_files/chrX2.dcm',
    width: 32,
    height: 32,
  },
];

let app: AppProcess;
let browser: Browser;
let viewerPage: Promise<Page> | undefined;

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

/**
 * One signed-in page on the viewer route, opened by the first test that needs it (harness `login` polls, which
 * vitest allows only inside a test). The route loads the lazy viewer bundle, and so installs the hook, whatever
 * the study request answers.
 */
function openViewer(): Promise<Page> {
  viewerPage ??= (async () => {
    const { page } = await newPage(browser);
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/imaging/studies/00000000-0000-4000-8000-000000000000`);
    await page.waitForFunction(() => typeof window.__renderFile === 'function', undefined, {
      timeout: 30_000,
    });
    return page;
  })();
  return viewerPage;
}

/** Hands the file's bytes to the page as a File and renders it with the viewer's pipeline. */
const render = async (c: Case) =>
  (await openViewer()).evaluate(
    async ({ b64, name, frame }) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const file = new File([bytes], name, { type: 'application/dicom' });
      return window.__renderFile!(file, frame ?? undefined);
    },
    {
      b64: fs.readFileSync(path.join(CORPUS_DIR, c.file)).toString('base64'),
      name: path.basename(c.file),
      frame: c.frame ?? null,
    },
  );

describe('every corpus transfer syntax renders in the viewer bundle', () => {
  it.each(
    CASES.map(
      (c) => [`${c.syntax} (${c.file}${c.frame === undefined ? '' : ` frame ${c.frame}`})`, c] as const,
    ),
  )(
    '%s',
    async (_name, c) => {
      const r = await render(c);
      console.log(`${c.file}${c.frame === undefined ? '' : `#${c.frame}`}: ${JSON.stringify(r)}`);
      expect(r.transferSyntax).toBe(c.uid);
      expect({ width: r.width, height: r.height }).toEqual({ width: c.width, height: c.height });
      expect(r.nonBlankPixels).toBeGreaterThan(0);
      if (c.range) expect([r.minPixelValue, r.maxPixelValue]).toEqual(c.range);
    },
    60_000,
  );
});

/**
 * Not displayable: generated/ts/gdcm_jpeg_lossy_real.dcm (JPEG Extended (Process 2 and 4), 1.2.840.10008.1.2.4.51,
 * a signed 16-bit CT). Its JPEG stream's SOF1 header declares 16-bit sample precision, which ISO 10918-1 and
 * DICOM PS3.5 do not allow for Process 2/4 (8 or 12 bits); dcmtk's dcmdjpeg refuses it ("Unsupported JPEG data
 * precision 16"). cornerstone-wado-image-loader 4.13.2 raises no error: it decodes nonsense values and the viewer
 * shows an all-black image. Pinned here so a change (a fix, or an error) is noticed and this case moves up.
 */
describe('known loader limitation', () => {
  it('JPEG Extended with 16-bit precision (gdcm_jpeg_lossy_real.dcm) loads without error but shows nothing', async () => {
    const r = await render({
      syntax: 'JPEG Extended (Process 2 and 4), 16-bit precision',
      uid: '1.2.840.10008.1.2.4.51',
      file: TS + 'gdcm_jpeg_lossy_real.dcm',
      width: 128,
      height: 128,
    });
    console.log(`generated/ts/gdcm_jpeg_lossy_real.dcm: ${JSON.stringify(r)}`);
    expect(r.transferSyntax).toBe('1.2.840.10008.1.2.4.51');
    expect({ width: r.width, height: r.height }).toEqual({ width: 128, height: 128 });
    expect(r.nonBlankPixels).toBe(0);
  }, 60_000);
});
