/**
 * Byte-level edits of real DICOM files for tests and the fuzz harness (never used by the app): replace a
 * top-level element's value (fixing its length field), or overwrite its length field with any number.
 * Little-endian transfer syntaxes only (implicit or explicit VR), which is what the callers pick.
 */
import { parseDataSet, text } from './dicom';

const LONG_VR = new Set(['OB', 'OD', 'OF', 'OL', 'OW', 'OV', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const IMPLICIT_LE = '1.2.840.10008.1.2';

export interface ElementPos {
  /** Offset of the value. */
  dataOffset: number;
  length: number;
  /** Offset and size (2 or 4) of the element's length field. */
  lengthField: number;
  lengthSize: 2 | 4;
}

/** Where a top-level element of `bytes` sits; null when absent. */
export function elementPos(bytes: Uint8Array, tag: string): ElementPos | null {
  const ds = parseDataSet(bytes);
  const el = ds.elements[tag];
  if (!el) return null;
  const explicit = text(ds, 'x00020010') !== IMPLICIT_LE || tag.startsWith('x0002');
  const short = explicit && el.vr !== undefined && !LONG_VR.has(el.vr);
  return {
    dataOffset: el.dataOffset,
    length: el.length,
    lengthField: el.dataOffset - (short ? 2 : 4),
    lengthSize: short ? 2 : 4,
  };
}

/** A copy of `bytes` whose element `tag` (top level, defined length) holds `value` (padded to even length). */
export function withValue(bytes: Uint8Array, tag: string, value: string | Uint8Array, pad = ' '): Buffer {
  const pos = elementPos(bytes, tag);
  if (!pos) throw new Error(`no element ${tag}`);
  let v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  if (v.length % 2) v = Buffer.concat([v, Buffer.from(pad, 'latin1')]);
  if (pos.lengthSize === 2 && v.length > 0xffff) throw new Error('value too long for a short VR');
  const out = Buffer.concat([
    Buffer.from(bytes.subarray(0, pos.dataOffset)),
    v,
    Buffer.from(bytes.subarray(pos.dataOffset + pos.length)),
  ]);
  writeLength(out, pos, v.length);
  return out;
}

/** A copy of `bytes` whose element `tag` claims `length` bytes (the value itself unchanged). */
export function withLength(bytes: Uint8Array, tag: string, length: number): Buffer {
  const pos = elementPos(bytes, tag);
  if (!pos) throw new Error(`no element ${tag}`);
  const out = Buffer.from(bytes);
  writeLength(out, pos, length);
  return out;
}

function writeLength(buf: Buffer, pos: ElementPos, length: number) {
  if (pos.lengthSize === 2) buf.writeUInt16LE(length & 0xffff, pos.lengthField);
  else buf.writeUInt32LE(length >>> 0, pos.lengthField);
}

/** A UID derived from `uid` that differs from it and stays valid (≤ 64 characters). */
export function otherUid(uid: string, salt: number): string {
  const base = uid.length > 56 ? uid.slice(0, 56).replace(/\.$/, '') : uid;
  return `${base}.${salt + 1}`;
}

/** A copy of `bytes` with a new top-level element `tag` (explicit VR little endian files) in tag order. */
export function withElement(bytes: Uint8Array, tag: string, vr: string, value: string | Uint8Array): Buffer {
  const ds = parseDataSet(bytes);
  const next = Object.keys(ds.elements)
    .filter((t) => t > tag && !t.startsWith('x0002') && !t.startsWith('xfffe'))
    .sort()[0];
  if (!next) throw new Error(`no element after ${tag}`);
  const el = ds.elements[next]!;
  const headerAt = el.dataOffset - (el.vr !== undefined && LONG_VR.has(el.vr) ? 12 : 8);
  let v = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  if (v.length % 2) v = Buffer.concat([v, Buffer.from(' ')]);
  const long = LONG_VR.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(Number.parseInt(tag.slice(1, 5), 16), 0);
  head.writeUInt16LE(Number.parseInt(tag.slice(5, 9), 16), 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(v.length, 8);
  else head.writeUInt16LE(v.length, 6);
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, headerAt)),
    head,
    v,
    Buffer.from(bytes.subarray(headerAt)),
  ]);
}

/** Little-endian 16-bit words. */
export const words = (values: number[]) => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
};
