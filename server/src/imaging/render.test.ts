/**
 * Server-side frame rendering on the real corpus. Pixels are read back with ffmpeg (an independent PNG/JPEG
 * decoder), so the test checks pictures, not our own encoder against itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataSet, text } from './dicom';
import { RenderError, renderFrame, type RenderedFrame } from './render';
import { DomainError } from '../errors';

import { CORPUS } from './testkit';
const TS_DIR = path.join(CORPUS, 'generated/ts');

const load = (file: string) => {
  const ds = parseDataSet(new Uint8Array(fs.readFileSync(file)));
  return { ds, ts: text(ds, 'x00020010') };
};
const render = (file: string, frame = 1, opts = {}) => {
  const { ds, ts } = load(file);
  return renderFrame(ds, ts, frame, opts);
};

/** Decode a rendered picture with ffmpeg into raw grey or RGB bytes. */
function pixels(r: RenderedFrame, fmt: 'gray' | 'rgb24'): Uint8Array {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'render-')),
    r.contentType === 'image/png' ? 'f.png' : 'f.jpg',
  );
  fs.writeFileSync(file, r.bytes);
  try {
    return new Uint8Array(
      execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', fmt, 'pipe:1'], {
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

describe('rendering a frame to a picture', () => {
  it('renders the same CT slice identically from every lossless transfer syntax of the corpus', async () => {
    const ref = await render(path.join(TS_DIR, 'explicit_le.dcm'));
    expect(ref).toMatchObject({ width: 256, height: 256, contentType: 'image/png' });
    const grey = pixels(ref, 'gray');
    expect(grey.length).toBe(256 * 256);
    // The generated phantom: air black, bone white in the instance's 40/400 window, soft tissue between.
    expect(new Set(grey).size).toBeGreaterThanOrEqual(3);
    expect(grey).toContain(0);
    expect(grey).toContain(255);
    for (const f of [
      'implicit_le.dcm',
      'explicit_be.dcm',
      'deflate.dcm',
      'rle.dcm',
      'gdcm_rle.dcm',
      'jpeg_lossless_p14.dcm',
      'jpeg_lossless_sv1.dcm',
      'jpegls_lossless.dcm',
      'j2k_lossless.dcm',
    ]) {
      const r = await render(path.join(TS_DIR, f));
      expect(Buffer.compare(r.bytes, ref.bytes), f).toBe(0);
    }
    // Near-lossless JPEG-LS comes out close to it; the lossy JPEG 2000 file is a 166-byte codestream (a
    // deliberately extreme ratio), so only its shape is checked.
    expect(
      meanAbsDiff(pixels(await render(path.join(TS_DIR, 'jpegls_near.dcm')), 'gray'), grey),
    ).toBeLessThan(3);
    expect(await render(path.join(TS_DIR, 'j2k_lossy.dcm'))).toMatchObject({ width: 256, height: 256 });
  });

  it('applies the asked window, else the instance’s own, and inverts MONOCHROME1', async () => {
    const file = path.join(TS_DIR, 'explicit_le.dcm');
    const own = await render(file);
    expect(own.window).toEqual({ center: 40, width: 400 });
    // A real CT (pydicom's CT_small): its own window shows many grey levels.
    const real = await render(path.join(CORPUS, 'deb-pydicom/test_files/CT_small.dcm'));
    expect(new Set(pixels(real, 'gray')).size).toBeGreaterThan(50);
    const lung = await render(file, 1, { windowCenter: -600, windowWidth: 1500 });
    expect(lung.window).toEqual({ center: -600, width: 1500 });
    expect(Buffer.compare(lung.bytes, own.bytes)).not.toBe(0);
    // A window far above every value renders black; far below, white.
    expect(new Set(pixels(await render(file, 1, { windowCenter: 1e6, windowWidth: 10 }), 'gray'))).toEqual(
      new Set([0]),
    );
    expect(new Set(pixels(await render(file, 1, { windowCenter: -1e6, windowWidth: 10 }), 'gray'))).toEqual(
      new Set([255]),
    );
    const mono1 = path.join(CORPUS, 'deb-pydicom/test_files/dicomdirtests/77654033/CR1/6154');
    const { ds, ts } = load(mono1);
    const bright = await renderFrame(ds, ts, 1, { windowCenter: -1e6, windowWidth: 10 });
    expect(new Set(pixels(bright, 'gray'))).toEqual(new Set([0]));
  });

  it('renders colour: uncompressed, RLE and JPEG Lossless RGB agree; JPEG Baseline passes through unless windowed', async () => {
    const dir = path.join(CORPUS, 'deb-pydicom/test_files');
    const raw = pixels(await render(path.join(dir, 'SC_rgb_rle.dcm')), 'rgb24');
    expect(raw.length).toBe(100 * 100 * 3);
    const red = raw.subarray(0, 3);
    expect(red[0]).toBeGreaterThan(200); // the pydicom test image starts with a red band
    expect(red[1]).toBeLessThan(50);
    expect(Buffer.compare(pixels(await render(path.join(dir, 'SC_rgb_jpeg_gdcm.dcm')), 'rgb24'), raw)).toBe(
      0,
    );

    const jpeg = await render(path.join(TS_DIR, 'jpeg_baseline.dcm'));
    expect(jpeg.contentType).toBe('image/jpeg');
    expect([...jpeg.bytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    // Rescale slope 8.027451, intercept -1000: this window maps the stored 8-bit values onto themselves.
    const windowed = await render(path.join(TS_DIR, 'jpeg_baseline.dcm'), 1, {
      windowCenter: 24,
      windowWidth: 1 + 8.027451 * 255,
    });
    expect(windowed.contentType).toBe('image/png');
    expect(meanAbsDiff(pixels(windowed, 'gray'), pixels(jpeg, 'gray'))).toBeLessThan(2);
  });

  it('renders each frame of a multi-frame instance and refuses a frame it does not have', async () => {
    const file = path.join(CORPUS, 'deb-pydicom/test_files/SC_rgb_rle_2frame.dcm');
    const [f1, f2] = [await render(file, 1), await render(file, 2)];
    expect(f1.width).toBe(100);
    expect(Buffer.compare(f1.bytes, f2.bytes)).not.toBe(0);
    await expect(render(file, 3)).rejects.toThrow(/frame 3/);
  });

  it('answers every image of the corpus with a picture or a reason, never another failure', async () => {
    const manifest = fs
      .readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .filter((c) => c[5] && Number(c[5]) > 0 && c[4] !== '(no meta)');
    let rendered = 0;
    const reasons = new Set<string>();
    for (const [rel] of manifest) {
      let parsed: ReturnType<typeof load>;
      try {
        parsed = load(path.join(CORPUS, rel!));
      } catch {
        continue; // deliberately malformed files never reach storage
      }
      try {
        const r = await renderFrame(parsed.ds, parsed.ts, 1);
        expect(r.bytes.length, rel).toBeGreaterThan(0);
        rendered++;
      } catch (err) {
        if (!(err instanceof RenderError) && !(err instanceof DomainError)) throw err;
        reasons.add((err as Error).message.replace(/[0-9.]{10,}/g, '…'));
      }
    }
    expect(rendered).toBeGreaterThan(manifest.length * 0.8);
    for (const r of reasons) expect(r).toMatch(/not rendered|could not be decoded|pixel|frame/);
  });
});
