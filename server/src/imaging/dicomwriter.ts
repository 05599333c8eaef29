/**
 * A small DICOM Part 10 writer (Explicit VR Little Endian, defined lengths) for the data sets we generate
 * (SR exports). Values are given as strings, numbers or nested item lists; the VR decides the encoding.
 */
export type Value = string | number | number[] | string[] | Item[] | Uint8Array | null;
export type Item = Record<string, [vr: string, value: Value]>;

const LONG = new Set(['OB', 'OD', 'OF', 'OL', 'OW', 'OV', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const utf8 = new TextEncoder();

function tagBytes(tag: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(Number.parseInt(tag.slice(0, 4), 16), 0);
  b.writeUInt16LE(Number.parseInt(tag.slice(4, 8), 16), 2);
  return b;
}

function valueBytes(vr: string, v: Value): Buffer {
  if (v === null) return Buffer.alloc(0);
  if (vr === 'SQ') return Buffer.concat((v as Item[]).map(itemBytes));
  if (v instanceof Uint8Array) return padded(Buffer.from(v), 0);
  if (vr === 'US' || vr === 'UL' || vr === 'FL' || vr === 'FD' || vr === 'SS' || vr === 'SL') {
    const arr = Array.isArray(v) ? (v as number[]) : [v as number];
    const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 }[vr]!;
    const b = Buffer.alloc(arr.length * size);
    arr.forEach((n, i) => {
      if (vr === 'US') b.writeUInt16LE(n, i * 2);
      else if (vr === 'SS') b.writeInt16LE(n, i * 2);
      else if (vr === 'UL') b.writeUInt32LE(n, i * 4);
      else if (vr === 'SL') b.writeInt32LE(n, i * 4);
      else if (vr === 'FL') b.writeFloatLE(n, i * 4);
      else b.writeDoubleLE(n, i * 8);
    });
    return b;
  }
  const s = Array.isArray(v) ? (v as (string | number)[]).map(String).join('\\') : String(v);
  return padded(Buffer.from(utf8.encode(s)), vr === 'UI' ? 0 : 0x20);
}

function padded(b: Buffer, pad: number): Buffer {
  return b.length % 2 ? Buffer.concat([b, Buffer.from([pad])]) : b;
}

function elementBytes(tag: string, vr: string, v: Value): Buffer {
  const val = valueBytes(vr, v);
  if (LONG.has(vr)) {
    const h = Buffer.alloc(8);
    h.write(vr, 0, 'latin1');
    h.writeUInt32LE(val.length, 4);
    return Buffer.concat([tagBytes(tag), h, val]);
  }
  if (val.length > 0xffff) throw new RangeError(`value of ${tag} too long for VR ${vr}`);
  const h = Buffer.alloc(4);
  h.write(vr, 0, 'latin1');
  h.writeUInt16LE(val.length, 2);
  return Buffer.concat([tagBytes(tag), h, val]);
}

export function dataSetBytes(ds: Item): Buffer {
  const tags = Object.keys(ds).sort();
  return Buffer.concat(tags.map((t) => elementBytes(t, ds[t]![0], ds[t]![1])));
}

function itemBytes(item: Item): Buffer {
  const body = dataSetBytes(item);
  const h = Buffer.alloc(8);
  h.writeUInt16LE(0xfffe, 0);
  h.writeUInt16LE(0xe000, 2);
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

export const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1055.1';

/** A complete Part 10 file: preamble, 'DICM', meta group (with group length), data set. */
export function part10(ds: Item, sopClassUid: string, sopInstanceUid: string): Buffer {
  const meta = dataSetBytes({
    '00020001': ['OB', new Uint8Array([0, 1])],
    '00020002': ['UI', sopClassUid],
    '00020003': ['UI', sopInstanceUid],
    '00020010': ['UI', '1.2.840.10008.1.2.1'],
    '00020012': ['UI', IMPLEMENTATION_CLASS_UID],
    '00020013': ['SH', 'CONSULT_IMG_1'],
  });
  const groupLength = elementBytes('00020000', 'UL', meta.length);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM', 'latin1'),
    groupLength,
    meta,
    dataSetBytes(ds),
  ]);
}

/** A new UID under the 2.25 (UUID-derived) root. */
export function newUid(): string {
  const hex = crypto.randomUUID().replace(/-/g, '');
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}
