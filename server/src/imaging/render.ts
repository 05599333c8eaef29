/**
 * Server-side rendering of one frame to an 8-bit picture (PS3.18 "rendered" resources; key images in the printed
 * report): decode the stored pixels, apply the modality LUT (rescale slope/intercept) and the VOI window (asked
 * for, else the instance's first Window Center/Width, else the frame's range; PS3.3 C.11.2.1.2 linear function),
 * MONOCHROME1 inverted (a flat frame at the bottom of the range: MONOCHROME1 white); PALETTE COLOR through its
 * Red/Green/Blue lookup tables; RGB and YBR_FULL colour as RGB. JPEG Baseline is handed on as it is (already 8-bit).
 */
import type { DataSet } from 'dicom-parser';
import { text } from './dicom';
import { extractFrame } from './wado';
import { decodeCompressed, samplesFromBytes, TS, type FrameGeometry, type Samples } from './codecs';
import { encodePicture, fitted, scale, type Viewport } from './picture';
import { DomainError } from '../errors';

/** The frame cannot be rendered here (the message names why; the caller decides between 4xx and a note). */
export class RenderError extends Error {
  override name = 'RenderError';
}

export interface RenderOptions {
  windowCenter?: number;
  windowWidth?: number;
  /** 'png' or 'jpeg': always decode and encode in that format (JPEG Baseline is otherwise passed through). */
  format?: 'png' | 'jpeg';
  /** Fit inside this size (area average; never enlarged). */
  viewport?: Viewport;
  /** JPEG quality 1–100. */
  quality?: number;
}

export interface RenderedFrame {
  width: number;
  height: number;
  /** PNG (the default), or JPEG when asked for or when the stored frame is already 8-bit JPEG Baseline. */
  contentType: 'image/png' | 'image/jpeg';
  bytes: Buffer;
  /** The VOI window applied (null for colour and pass-through JPEG). */
  window: { center: number; width: number } | null;
}

export interface PixelModule extends FrameGeometry {
  bitsStored: number;
  photometric: string;
  planar: number;
  slope: number;
  intercept: number;
  window: { center: number; width: number } | null;
}

const num = (ds: DataSet, tag: string): number | null => {
  const first = text(ds, tag).split('\\')[0]?.trim();
  const n = first ? Number(first) : NaN;
  return Number.isFinite(n) ? n : null;
};

export function pixelModule(ds: DataSet): PixelModule {
  const rows = ds.uint16('x00280010') ?? 0;
  const cols = ds.uint16('x00280011') ?? 0;
  if (!rows || !cols) throw new RenderError('the instance has no image pixel module (Rows/Columns)');
  const center = num(ds, 'x00281050');
  const width = num(ds, 'x00281051');
  return {
    rows,
    cols,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    bitsAllocated: ds.uint16('x00280100') ?? 16,
    bitsStored: ds.uint16('x00280101') ?? ds.uint16('x00280100') ?? 16,
    signed: (ds.uint16('x00280103') ?? 0) === 1,
    photometric: text(ds, 'x00280004') || 'MONOCHROME2',
    planar: ds.uint16('x00280006') ?? 0,
    slope: num(ds, 'x00281053') ?? 1,
    intercept: num(ds, 'x00281052') ?? 0,
    window: center !== null && width !== null && width >= 1 ? { center, width } : null,
  };
}

/** Transfer syntaxes whose pixel data is stored as it is (no codec). */
const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflated, TS.explicitBE]);

export async function decode(
  ds: DataSet,
  ts: string,
  frame: number,
  m: PixelModule,
  given?: Uint8Array,
): Promise<Samples> {
  const bytes = given ?? extractFrame(ds, ts, frame).bytes;
  if (NATIVE.has(ts)) return samplesFromBytes(bytes, m, ts === TS.explicitBE);
  const samples = await decodeCompressed(ts, bytes, m);
  if (!samples) throw new RenderError(`frames in transfer syntax ${ts} are not rendered on the server`);
  return samples;
}

/** Grey frame → 8-bit: modality LUT, then the VOI linear function. */
function toGrey(s: Samples, m: PixelModule, opts: RenderOptions) {
  const n = m.rows * m.cols;
  const modality = new Float64Array(n);
  // Unsigned values wider than Bits Stored carry overlay bits above the high bit: mask them off.
  const mask = !m.signed && m.bitsStored < m.bitsAllocated ? (1 << m.bitsStored) - 1 : -1;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const raw = mask === -1 ? s[i]! : s[i]! & mask;
    const v = raw * m.slope + m.intercept;
    modality[i] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const win =
    opts.windowCenter !== undefined && opts.windowWidth !== undefined
      ? { center: opts.windowCenter, width: Math.max(1, opts.windowWidth) }
      : (m.window ??
        // A flat frame (every value equal) shows at the bottom of the range: MONOCHROME2 black, MONOCHROME1 white.
        (hi === lo ? { center: lo + 1, width: 1 } : { center: (hi + lo) / 2, width: Math.max(1, hi - lo) }));
  const c = win.center - 0.5;
  const w = win.width - 1;
  const out = new Uint8Array(n);
  const invert = m.photometric === 'MONOCHROME1';
  for (let i = 0; i < n; i++) {
    const x = modality[i]!;
    let y: number;
    if (w <= 0) y = x <= c ? 0 : 255;
    else if (x <= c - w / 2) y = 0;
    else if (x > c + w / 2) y = 255;
    else y = ((x - c) / w + 0.5) * 255;
    out[i] = invert ? 255 - Math.round(y) : Math.round(y);
  }
  return { pixels: out, window: win };
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Colour frame → interleaved 8-bit RGB. */
function toRgb(s: Samples, m: PixelModule): Uint8Array {
  if (m.bitsAllocated !== 8) throw new RenderError(`${m.bitsAllocated}-bit colour is not rendered`);
  const n = m.rows * m.cols;
  const out = new Uint8Array(n * 3);
  const at = (i: number, k: number) => (m.planar === 1 ? s[k * n + i]! : s[i * 3 + k]!);
  const ybr = m.photometric === 'YBR_FULL';
  if (!ybr && m.photometric !== 'RGB')
    throw new RenderError(`photometric interpretation ${m.photometric} is not rendered`);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [at(i, 0), at(i, 1), at(i, 2)];
    if (ybr) {
      out[i * 3] = clamp8(a + 1.402 * (c - 128));
      out[i * 3 + 1] = clamp8(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      out[i * 3 + 2] = clamp8(a + 1.772 * (b - 128));
    } else {
      out[i * 3] = a;
      out[i * 3 + 1] = b;
      out[i * 3 + 2] = c;
    }
  }
  return out;
}

interface Palette {
  first: number;
  /** Red, green and blue 8-bit tables of equal length. */
  tables: [Uint8Array, Uint8Array, Uint8Array];
}

/**
 * The Red/Green/Blue Palette Color LUTs (PS3.3 C.7.6.3.1.5–6): descriptor [entries (0 = 65536), first mapped
 * value, bits per entry], data as 8- or 16-bit entries (16-bit ones scaled to 8). Segmented LUTs are refused.
 */
function paletteOf(ds: DataSet): Palette {
  if (ds.elements.x00281221 || ds.elements.x00281222 || ds.elements.x00281223)
    throw new RenderError('segmented palette colour lookup tables are not rendered');
  const tables: Uint8Array[] = [];
  let first = 0;
  for (const [desc, data, name] of [
    ['x00281101', 'x00281201', 'Red'],
    ['x00281102', 'x00281202', 'Green'],
    ['x00281103', 'x00281203', 'Blue'],
  ] as const) {
    const d = ds.elements[desc];
    const el = ds.elements[data];
    if (!d || d.length < 6 || !el)
      throw new RenderError(`PALETTE COLOR without a ${name} Palette Color Lookup Table`);
    const entries = ds.uint16(desc, 0) || 65536;
    first = ds.uint16(desc, 1) ?? 0;
    const bits = ds.uint16(desc, 2) ?? 16;
    const bytes = el.length === entries ? 1 : 2;
    if (el.length < entries * bytes)
      throw new RenderError(
        `the ${name} Palette Color Lookup Table holds ${el.length} bytes for ${entries} entries`,
      );
    const raw = Array.from({ length: entries }, (_x, i) =>
      bytes === 1 ? ds.byteArray[el.dataOffset + i]! : ds.uint16(data, i)!,
    );
    // 16-bit entries scale to 8 bits; tables declared 16-bit but holding 8-bit values are used as they are.
    const shift = bits > 8 && raw.some((v) => v > 255) ? 8 : 0;
    tables.push(Uint8Array.from(raw, (v) => v >> shift));
  }
  return { first, tables: tables as Palette['tables'] };
}

function toPaletteRgb(s: Samples, m: PixelModule, p: Palette): Uint8Array {
  const n = m.rows * m.cols;
  const last = p.tables[0].length - 1;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const k = Math.min(last, Math.max(0, s[i]! - p.first));
    out[i * 3] = p.tables[0][k]!;
    out[i * 3 + 1] = p.tables[1][k]!;
    out[i * 3 + 2] = p.tables[2][k]!;
  }
  return out;
}

/** Render frame `frame` (1-based) of a parsed instance stored in transfer syntax `ts`. */
export async function renderFrame(
  ds: DataSet,
  ts: string,
  frame: number,
  opts: RenderOptions = {},
  /** The frame's stored bytes when the caller read them by range (then `ds` may be the header only). */
  frameBytes?: Uint8Array,
): Promise<RenderedFrame> {
  const m = pixelModule(ds);
  const windowAsked = opts.windowCenter !== undefined && opts.windowWidth !== undefined;
  if (ts === TS.jpegBaseline && !windowAsked && !opts.format && !opts.viewport) {
    const bytes = frameBytes ?? extractFrame(ds, ts, frame).bytes;
    return {
      width: m.cols,
      height: m.rows,
      contentType: 'image/jpeg',
      bytes: Buffer.from(bytes),
      window: null,
    };
  }
  let samples: Samples;
  try {
    samples = await decode(ds, ts, frame, m, frameBytes);
  } catch (err) {
    if (err instanceof RenderError || err instanceof DomainError) throw err; // e.g. no such frame: 404
    throw new RenderError(`the frame could not be decoded: ${(err as Error).message}`);
  }
  const expected = m.rows * m.cols * m.samplesPerPixel;
  if (samples.length < expected)
    throw new RenderError(`the frame holds ${samples.length} samples, the header says ${expected}`);
  if (m.samplesPerPixel === 1 && m.photometric === 'PALETTE COLOR') {
    return picture(m, 3, toPaletteRgb(samples, m, paletteOf(ds)), null, opts);
  }
  if (m.samplesPerPixel === 1) {
    if (!m.photometric.startsWith('MONOCHROME'))
      throw new RenderError(`photometric interpretation ${m.photometric} is not rendered`);
    const { pixels, window } = toGrey(samples, m, opts);
    return picture(m, 1, pixels, window, opts);
  }
  if (m.samplesPerPixel !== 3)
    throw new RenderError(`${m.samplesPerPixel} samples per pixel are not rendered`);
  if (!NATIVE.has(ts)) {
    // Decoders hand back interleaved pixels, and JPEG / JPEG 2000 ones already converted YCbCr to RGB.
    m.planar = 0;
    if (ts !== TS.rle && m.photometric.startsWith('YBR')) m.photometric = 'RGB';
  }
  return picture(m, 3, toRgb(samples, m), null, opts);
}

/** Scale to the viewport and encode (PNG unless JPEG is asked for). */
function picture(
  m: PixelModule,
  channels: 1 | 3,
  pixels: Uint8Array,
  window: RenderedFrame['window'],
  opts: RenderOptions,
): RenderedFrame {
  const size = fitted(m.cols, m.rows, opts.viewport);
  const format = opts.format ?? 'png';
  return {
    ...size,
    contentType: format === 'jpeg' ? 'image/jpeg' : 'image/png',
    bytes: encodePicture(
      format,
      size.width,
      size.height,
      channels,
      scale(pixels, m.cols, m.rows, channels, size),
      opts.quality,
    ),
    window,
  };
}
