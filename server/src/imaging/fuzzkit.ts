/**
 * Deterministic mutations of real DICOM files for the fuzz harness (fuzz.test.ts); never used by the app.
 * Each mutant names what was done to it, so a failing assertion says which fault the server mishandled.
 */
import { parseDataSet, text } from './dicom';
import { elementPos, otherUid, withElement, withLength, withValue } from './mutate';

export interface Mutant {
  name: string;
  bytes: Buffer;
}

/** mulberry32: a tiny seeded PRNG, so every run mutates the same bytes. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** Explicit VR little endian element header + value. */
function element(group: number, el: number, vr: string, length: number, value = Buffer.alloc(0)): Buffer {
  const long = vr === 'SQ' || vr === 'OB' || vr === 'UN';
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(el, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(length >>> 0, 8);
  else h.writeUInt16LE(length, 6);
  return Buffer.concat([h, value]);
}
const item = (length: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(0xe000, 2);
  b.writeUInt32LE(length >>> 0, 4);
  return b;
};
const delim = (e: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(e, 2);
  return b;
};

/** `depth` sequences nested in one another (undefined lengths), closed or not, as a private element. */
function nested(depth: number, closed: boolean): Buffer {
  const parts: Buffer[] = [];
  for (let d = 0; d < depth; d++) parts.push(element(0x0009, 0x1010, 'SQ', 0xffffffff), item(0xffffffff));
  if (closed) for (let d = 0; d < depth; d++) parts.push(delim(0xe00d), delim(0xe0dd));
  return Buffer.concat(parts);
}

/** Insert raw bytes right before the first top-level element whose tag is above (0009,1010). */
function insertPrivate(bytes: Buffer, raw: Buffer): Buffer {
  const ds = parseDataSet(bytes);
  const next = Object.keys(ds.elements)
    .filter((t) => t > 'x00091010' && !t.startsWith('xfffe'))
    .sort()[0]!;
  const el = ds.elements[next]!;
  const long =
    el.vr !== undefined && ['OB', 'OW', 'SQ', 'UN', 'UT', 'OF', 'OD', 'OL', 'UC', 'UR'].includes(el.vr);
  const at = el.dataOffset - (long ? 12 : 8);
  return Buffer.concat([bytes.subarray(0, at), raw, bytes.subarray(at)]);
}

/** Every mutation of one base file (a valid corpus file). `k` makes the new SOP Instance UIDs unique. */
export function mutantsOf(label: string, base: Buffer, rnd: () => number, k: number): Mutant[] {
  const ds = parseDataSet(base);
  const ts = text(ds, 'x00020010');
  const out: Mutant[] = [];
  const add = (name: string, f: () => Buffer) => {
    try {
      out.push({ name: `${label}: ${name}`, bytes: f() });
    } catch {
      // this base has no such element: the mutation does not apply
    }
  };
  // A fresh SOP Instance UID per mutant, so a mutant that is still valid is stored and read back.
  let n = 0;
  const fresh = (b: Buffer) =>
    LE.has(ts) ? withValue(b, 'x00080018', otherUid(text(ds, 'x00080018'), k * 1000 + ++n), '\0') : b;
  const px = ds.elements.x7fe00010;
  const pxAt = px?.dataOffset ?? base.length;

  // Truncations in every region: preamble, meta header, data set header, pixel data, the last bytes.
  const cuts = [
    0,
    100,
    131,
    140,
    Math.floor(pxAt / 3),
    Math.floor((pxAt * 2) / 3),
    pxAt - 2,
    pxAt + 8,
    Math.floor((pxAt + base.length) / 2),
    base.length - 1,
  ];
  for (const c of cuts) if (c >= 0 && c < base.length) add(`truncated at ${c}`, () => base.subarray(0, c));
  add(`truncated at random ${0}`, () => base.subarray(0, Math.floor(rnd() * base.length)));

  // Lengths past EOF, huge and "negative" (high bit set) on non-pixel elements and on the pixel data.
  const tags = Object.keys(ds.elements).filter((t) => !t.startsWith('x0002') && t !== 'x7fe00010');
  const pick = () => tags[Math.floor(rnd() * tags.length)]!;
  for (const t of [pick(), pick(), 'x00100010']) {
    const pos = elementPos(base, t);
    if (!pos) continue;
    const past = base.length - pos.dataOffset + 2;
    if (pos.lengthSize === 2 && past <= 0xffff)
      add(`${t} length past EOF`, () => fresh(withLength(base, t, past)));
    if (pos.lengthSize === 4) {
      add(`${t} length past EOF`, () => fresh(withLength(base, t, past)));
      add(`${t} length 0xFFFFFFF0`, () => fresh(withLength(base, t, 0xfffffff0)));
      add(`${t} length 0x80000000`, () => fresh(withLength(base, t, 0x80000000)));
    }
  }
  if (px && !px.encapsulatedPixelData) {
    add('pixel data length past EOF', () => fresh(withLength(base, 'x7fe00010', px.length + 4096)));
    add('pixel data length 0x80000002', () => fresh(withLength(base, 'x7fe00010', 0x80000002)));
  }

  // Sequences: unclosed at the end, deeply nested (closed), absurdly nested (closed).
  if (ts === EXPLICIT_LE) {
    add('unclosed sequence at the end', () => Buffer.concat([fresh(base), nested(1, false)]));
    add('unclosed nested sequences at the end', () => Buffer.concat([fresh(base), nested(6, false)]));
    add('sequences nested 40 deep', () => insertPrivate(fresh(base), nested(40, true)));
    add('sequences nested 20000 deep', () => insertPrivate(fresh(base), nested(20000, true)));
  }

  // Absurd frame and size attributes.
  for (const v of LE.has(ts) ? ['2147483647', '99999999999', '0', '-1', 'abc', '3'] : []) {
    add(`NumberOfFrames ${v}`, () =>
      ds.elements.x00280008
        ? fresh(withValue(base, 'x00280008', v))
        : fresh(withElement(base, 'x00280008', 'IS', v)),
    );
  }
  const us = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return b;
  };
  if (LE.has(ts)) {
    for (const [tag, name, values] of [
      ['x00280010', 'Rows', [0, 65535]],
      ['x00280011', 'Columns', [0, 65535]],
      ['x00280100', 'BitsAllocated', [0, 7, 64]],
      ['x00280002', 'SamplesPerPixel', [0, 4]],
    ] as const) {
      for (const v of values) add(`${name} ${v}`, () => fresh(withValue(base, tag, us(v))));
    }
  }

  // Broken fragments: a fragment length beyond the file, a fragment tag overwritten, the offset table garbled.
  if (px?.encapsulatedPixelData && px.fragments?.length) {
    const f0 = px.fragments[0]!;
    add('fragment length past EOF', () => {
      const b = Buffer.from(fresh(base));
      const shift = b.length - base.length;
      b.writeUInt32LE(base.length + 100, f0.position + shift - 4);
      return b;
    });
    add('fragment item tag overwritten', () => {
      const b = Buffer.from(fresh(base));
      const shift = b.length - base.length;
      b.writeUInt32LE(0x12345678, f0.position + shift - 8);
      return b;
    });
    add('offset table garbled', () => {
      const b = Buffer.from(fresh(base));
      const shift = b.length - base.length;
      b.writeUInt32LE(0x00000010, px.dataOffset + shift + 4);
      return b;
    });
  }

  // Charset garbage: an unknown Specific Character Set, random bytes in Patient Name and a description.
  const garbage = () => Buffer.from(Array.from({ length: 24 }, () => Math.floor(rnd() * 256)));
  if (LE.has(ts)) {
    add('unknown charset', () =>
      ds.elements.x00080005
        ? fresh(withValue(base, 'x00080005', 'ISO_IR 999\\GARBAGE'))
        : fresh(withElement(base, 'x00080005', 'CS', 'ISO_IR 999\\GARBAGE')),
    );
    add('garbage patient name', () => fresh(withValue(base, 'x00100010', garbage())));
    if (ds.elements.x00081030)
      add('garbage description', () => fresh(withValue(base, 'x00081030', garbage())));
  }

  // Random byte flips in the header.
  for (let r = 0; r < 3; r++) {
    add(`bytes flipped (${r})`, () => {
      const b = Buffer.from(base);
      for (let i = 0; i < 4; i++) b[132 + Math.floor(rnd() * (pxAt - 132))] = Math.floor(rnd() * 256);
      return b;
    });
  }
  return out;
}
