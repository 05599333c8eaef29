/**
 * Transcoding a stored Part 10 file to Explicit VR Little Endian (1.2.840.10008.1.2.1), the DICOMweb default
 * transfer syntax (PS3.18 §8.7.3.5): element by element, VRs from the data dictionary for Implicit VR data, values
 * byte-swapped from Big Endian, deflated data sets inflated, and encapsulated (compressed) pixel data decoded by the
 * server's own codecs (codecs.ts) into native frames. Decoded colour frames are interleaved (Planar Configuration 0),
 * and JPEG / JPEG 2000 ones are RGB (their decoders undo the YCbCr transform). Every read is bounded by the bytes.
 */
import type { DataSet } from 'dicom-parser';
import { decodeCompressed, TS, type FrameGeometry } from './codecs';
import { text } from './dicom';
import { vrForImplicit } from './dictionary';
import { part10 } from './dicomwriter';
import { NATIVE_TS } from './negotiate';
import { extractFrame } from './wado';

/** The instance cannot be transcoded (the message names why). */
export class TranscodeError extends Error {
  override name = 'TranscodeError';
}

const LONG = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
/** Bytes per value unit to swap when reading Big Endian (AT is a pair of 16-bit values). */
const SWAP: Record<string, number> = {
  US: 2,
  SS: 2,
  OW: 2,
  AT: 2,
  UL: 4,
  SL: 4,
  FL: 4,
  OF: 4,
  OL: 4,
  FD: 8,
  OD: 8,
  SV: 8,
  UV: 8,
  OV: 8,
};
const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 64;

/** Whether frames in this transfer syntax and bit depth decode on the server (see codecs.ts). */
export function decodable(ts: string, bitsAllocated: number): boolean {
  if (NATIVE_TS.has(ts)) return true;
  switch (ts) {
    case TS.jpegBaseline:
    case TS.jpegExtended:
      return bitsAllocated === 8;
    case TS.rle:
    case TS.jpegLossless:
    case TS.jpegLosslessSV1:
    case TS.jpegLsLossless:
    case TS.jpegLsNear:
    case TS.j2kLossless:
    case TS.j2k:
      return bitsAllocated === 8 || bitsAllocated === 16;
    default:
      return false;
  }
}

interface Source {
  b: Uint8Array;
  v: DataView;
  little: boolean;
  explicit: boolean;
}

function header(tag: number, vr: string, length: number): Buffer {
  const long = LONG.has(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(tag >>> 16, 0);
  h.writeUInt16LE(tag & 0xffff, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(length, 8);
  else h.writeUInt16LE(length, 6);
  return h;
}

function element(tag: number, vr: string, value: Buffer): Buffer {
  const even =
    value.length % 2 ? Buffer.concat([value, Buffer.from([vr === 'UI' || LONG.has(vr) ? 0 : 0x20])]) : value;
  // A short-form VR cannot carry more than 64 KiB (e.g. an Implicit VR LUT guessed as US): send it as UN.
  const vrOut = !LONG.has(vr) && even.length > 0xffff ? 'UN' : vr;
  return Buffer.concat([header(tag, vrOut, even.length), even]);
}

function swapped(bytes: Uint8Array, unit: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i + unit <= out.length; i += unit) out.subarray(i, i + unit).reverse();
  return out;
}

const need = (s: Source, pos: number, n: number, limit: number) => {
  if (pos + n > limit || pos + n > s.b.length)
    throw new TranscodeError(`the data set ends inside an element at byte ${pos}`);
};

/** Elements from `pos` to `end` (or up to an item delimiter when `end` is undefined): their re-encoded bytes. */
function elements(
  s: Source,
  pos: number,
  end: number | undefined,
  depth: number,
  replace?: Map<number, Buffer | null>,
): { out: Buffer[]; pos: number } {
  if (depth > MAX_DEPTH) throw new TranscodeError('sequences are nested too deeply');
  const limit = end ?? s.b.length;
  const out: Buffer[] = [];
  const u16 = (p: number) => s.v.getUint16(p, s.little);
  const u32 = (p: number) => s.v.getUint32(p, s.little);
  while (pos < limit) {
    need(s, pos, 8, limit);
    const tag = ((u16(pos) << 16) | u16(pos + 2)) >>> 0;
    if (tag === 0xfffee00d) return { out, pos: pos + 8 }; // item delimitation
    let vr: string;
    let length: number;
    let at: number;
    const hex = tag.toString(16).padStart(8, '0').toUpperCase();
    if (s.explicit && tag >>> 16 !== 0xfffe) {
      vr = String.fromCharCode(s.b[pos + 4]!, s.b[pos + 5]!);
      if (LONG.has(vr) || !/^[A-Z]{2}$/.test(vr)) {
        need(s, pos, 12, limit);
        length = u32(pos + 8);
        at = pos + 12;
      } else {
        length = u16(pos + 6);
        at = pos + 8;
      }
    } else {
      length = u32(pos + 4);
      at = pos + 8;
      vr = length === UNDEFINED ? 'SQ' : vrForImplicit(hex);
    }
    if (tag === 0x7fe00010 && replace?.has(tag)) {
      // Pixel data replaced by decoded frames; skip the stored value (encapsulated: up to the sequence delimiter).
      pos = length === UNDEFINED ? skipEncapsulated(s, at, limit) : at + length;
      const px = replace.get(tag) as PixelValue | null;
      if (px) out.push(element(tag, px.bitsOb ? 'OB' : 'OW', px));
      continue;
    }
    if (length === UNDEFINED && vr !== 'SQ' && vr !== 'UN')
      throw new TranscodeError(`element ${hex} (${vr}) has an undefined length`);
    if (vr === 'SQ' || length === UNDEFINED) {
      // UN of undefined length holds an Implicit VR Little Endian sequence (PS3.5 §6.2.2).
      const inner = vr === 'UN' ? { ...s, explicit: false, little: true } : s;
      const { items, pos: next } = sequence(inner, at, length === UNDEFINED ? undefined : at + length, depth);
      out.push(Buffer.concat([header(tag, 'SQ', lengthOf(items)), ...items]));
      pos = next;
      continue;
    }
    need(s, at, length, limit);
    pos = at + length;
    if (tag >>> 16 === 0x0002) continue; // meta elements never belong in the data set
    const r = replace?.get(tag);
    if (r === null) continue;
    const raw = s.b.subarray(at, at + length);
    const value = r ?? (!s.little && SWAP[vr] ? swapped(raw, SWAP[vr]!) : Buffer.from(raw));
    out.push(element(tag, vr, value));
  }
  if (end === undefined) throw new TranscodeError('an item of undefined length has no delimiter');
  return { out, pos };
}

const lengthOf = (parts: Buffer[]) => parts.reduce((n, p) => n + p.length, 0);

function sequence(s: Source, pos: number, end: number | undefined, depth: number) {
  const limit = end ?? s.b.length;
  const items: Buffer[] = [];
  while (pos < limit) {
    need(s, pos, 8, limit);
    const tag = ((s.v.getUint16(pos, s.little) << 16) | s.v.getUint16(pos + 2, s.little)) >>> 0;
    const length = s.v.getUint32(pos + 4, s.little);
    if (tag === 0xfffee0dd) return { items, pos: pos + 8 };
    if (tag !== 0xfffee000) throw new TranscodeError(`expected an item in a sequence at byte ${pos}`);
    const r = elements(s, pos + 8, length === UNDEFINED ? undefined : pos + 8 + length, depth + 1);
    const body = Buffer.concat(r.out);
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(body.length, 4);
    items.push(h, body);
    pos = r.pos;
  }
  if (end === undefined) throw new TranscodeError('a sequence of undefined length has no delimiter');
  return { items, pos };
}

/** Past an encapsulated pixel data value: its items up to the sequence delimitation item. */
function skipEncapsulated(s: Source, pos: number, limit: number): number {
  while (pos + 8 <= limit) {
    const tag = ((s.v.getUint16(pos, true) << 16) | s.v.getUint16(pos + 2, true)) >>> 0;
    const length = s.v.getUint32(pos + 4, true);
    if (tag === 0xfffee0dd) return pos + 8;
    pos += 8 + length;
  }
  throw new TranscodeError('the encapsulated pixel data has no sequence delimiter');
}

type PixelValue = Buffer & { bitsOb?: boolean };

/** The decoded frames of an encapsulated instance, concatenated (native, little endian, interleaved). */
async function decodedPixels(ds: DataSet, ts: string): Promise<{ px: PixelValue; g: FrameGeometry }> {
  const g: FrameGeometry = {
    rows: ds.uint16('x00280010') ?? 0,
    cols: ds.uint16('x00280011') ?? 0,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    bitsAllocated: ds.uint16('x00280100') ?? 16,
    signed: (ds.uint16('x00280103') ?? 0) === 1,
  };
  if (!g.rows || !g.cols) throw new TranscodeError('the instance has no Rows/Columns');
  const frames = Math.max(1, Number.parseInt(text(ds, 'x00280008') || '1', 10) || 1);
  const parts: Buffer[] = [];
  for (let n = 1; n <= frames; n++) {
    let samples;
    try {
      samples = await decodeCompressed(ts, extractFrame(ds, ts, n).bytes, g);
    } catch (err) {
      throw new TranscodeError(`frame ${n} could not be decoded: ${(err as Error).message}`);
    }
    if (!samples) throw new TranscodeError(`frames in transfer syntax ${ts} are not decoded on the server`);
    const expected = g.rows * g.cols * g.samplesPerPixel;
    if (samples.length < expected)
      throw new TranscodeError(`frame ${n} holds ${samples.length} samples, the header says ${expected}`);
    parts.push(Buffer.from(samples.buffer, samples.byteOffset, expected * (g.bitsAllocated / 8)));
  }
  const px: PixelValue = Buffer.concat(parts);
  px.bitsOb = g.bitsAllocated === 8;
  return { px, g };
}

/** Where the data set begins: past the preamble, 'DICM' and the (Explicit VR Little Endian) meta group. */
function dataSetStart(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 132;
  while (pos + 8 <= b.length && v.getUint16(pos, true) === 0x0002) {
    const vr = String.fromCharCode(b[pos + 4]!, b[pos + 5]!);
    pos += LONG.has(vr) ? 12 + v.getUint32(pos + 8, true) : 8 + v.getUint16(pos + 6, true);
  }
  return pos;
}

const cs = (value: string) => Buffer.from(value.length % 2 ? `${value} ` : value, 'latin1');
const us = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
};

/**
 * The instance (parsed `ds`, whose byteArray is the whole file, inflated when deflated) re-encoded as a Part 10
 * file in Explicit VR Little Endian.
 */
export async function toExplicitLittle(ds: DataSet, ts: string): Promise<Buffer> {
  const b = ds.byteArray;
  const s: Source = {
    b,
    v: new DataView(b.buffer, b.byteOffset, b.byteLength),
    little: ts !== TS.explicitBE,
    explicit: ts !== TS.implicitLE,
  };
  const replace = new Map<number, Buffer | null>();
  if (!NATIVE_TS.has(ts) && ds.elements.x7fe00010) {
    const { px, g } = await decodedPixels(ds, ts);
    replace.set(0x7fe00010, px);
    const photometric = text(ds, 'x00280004');
    const ycc = [TS.jpegBaseline, TS.jpegExtended, TS.j2k, TS.j2kLossless].includes(ts as never);
    if (ycc && photometric.startsWith('YBR')) replace.set(0x00280004, cs('RGB'));
    if (g.samplesPerPixel > 1) replace.set(0x00280006, us(0));
  }
  const body = elements(s, dataSetStart(b), b.length, 0, replace).out;
  const head = part10({}, text(ds, 'x00020002'), text(ds, 'x00020003'));
  // part10 writes the meta group for Explicit VR Little Endian; the data set follows.
  return Buffer.concat([head, ...body]);
}
