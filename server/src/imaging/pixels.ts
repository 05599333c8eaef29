import type { ByteSource } from './source';

/**
 * The layout of the Pixel Data (7FE0,0010) element as found in the file, walked by range: native pixel data is
 * an offset and a length; encapsulated pixel data is its Basic Offset Table and its fragments, found by reading
 * each item's 8-byte header at its file position and skipping its value (never loading the fragments). The
 * walk mirrors dicom-parser's (a missing sequence delimiter ends the data; an unexpected tag is a last
 * fragment), so what is validated is what readers see.
 */
export interface Fragment {
  /** Offset of the fragment's item from the first item after the Basic Offset Table (as BOT entries count). */
  offset: number;
  /** File position of the fragment's value. */
  position: number;
  length: number;
}

export type PixelLayout =
  | { kind: 'native'; offset: number; length: number; end: number }
  | { kind: 'encapsulated'; offset: number; basicOffsetTable: number[]; fragments: Fragment[]; end: number };

export const PIXEL_LIMITS = {
  /** More fragments than this are refused (real multi-frame objects hold a few thousand). */
  fragments: 262_144,
} as const;

const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => u16(b, o) + u16(b, o + 2) * 0x10000;
const tagAt = (b: Uint8Array, o: number) => u16(b, o) * 0x10000 + u16(b, o + 2);

type Walk = { ok: true; layout: PixelLayout } | { ok: false; reason: string };

/** Encapsulated pixel data whose value starts at `start` (the first item header). */
export function walkEncapsulated(src: ByteSource, start: number): Walk {
  const size = src.size;
  const fail = (reason: string): Walk => ({ ok: false, reason });
  if (start + 8 > size)
    return fail('the encapsulated pixel data (7FE0,0010) is truncated before its Basic Offset Table item');
  const head = src.read(start, 8);
  if (tagAt(head, 0) !== ITEM)
    return fail(
      'the encapsulated pixel data (7FE0,0010) does not start with its Basic Offset Table item (FFFE,E000)',
    );
  const botLength = u32(head, 4);
  if (start + 8 + botLength > size)
    return fail(
      `the Basic Offset Table claims ${botLength} bytes at offset ${start + 8}, past the end of the ${size}-byte data set`,
    );
  if (botLength / 4 > PIXEL_LIMITS.fragments)
    return fail(`the Basic Offset Table lists more than ${PIXEL_LIMITS.fragments} frames`);
  const botBytes = src.read(start + 8, botLength);
  const basicOffsetTable: number[] = [];
  for (let k = 0; k + 4 <= botBytes.length; k += 4) basicOffsetTable.push(u32(botBytes, k));
  const base = start + 8 + botLength;
  const fragments: Fragment[] = [];
  let pos = base;
  let end = size; // no sequence delimiter: the data runs to the end (as the parser reads it)
  while (pos < size) {
    if (pos + 8 > size)
      return fail(
        `the encapsulated pixel data (7FE0,0010) is truncated inside an item header at offset ${pos}`,
      );
    const h = src.read(pos, 8);
    const tag = tagAt(h, 0);
    const length = u32(h, 4);
    if (tag === SEQUENCE_DELIMITER) {
      end = Math.min(size, pos + 8 + length);
      break;
    }
    if (fragments.length >= PIXEL_LIMITS.fragments)
      return fail(`the encapsulated pixel data holds more than ${PIXEL_LIMITS.fragments} fragments`);
    if (tag !== ITEM) {
      // dicom-parser takes an unexpected tag as a last fragment running at most to the end.
      fragments.push({ offset: pos - base, position: pos + 8, length: Math.min(length, size - pos - 8) });
      end = Math.min(size, pos + 8 + length);
      break;
    }
    fragments.push({ offset: pos - base, position: pos + 8, length });
    pos += 8 + length;
  }
  return { ok: true, layout: { kind: 'encapsulated', offset: start, basicOffsetTable, fragments, end } };
}

/**
 * Where each frame's items sit in the file: `spans` holds [start, end) pairs, one per frame, each covering
 * whole items (8-byte header + value), so a frame is one range read whose items are walked in memory. Frames
 * are assigned to fragments as the readers always did: by the Basic Offset Table when it lists every frame;
 * all fragments for a single frame; one fragment per frame when the counts match; otherwise by JPEG
 * end-of-image markers (the last bytes of each fragment, read by range).
 */
export function encapsulatedSpans(
  src: ByteSource,
  px: Extract<PixelLayout, { kind: 'encapsulated' }>,
  frames: number,
): { ok: true; spans: number[] } | { ok: false; reason: string } {
  const f = px.fragments;
  let starts: number[];
  if (px.basicOffsetTable.length === frames) {
    const byOffset = new Map(f.map((x, i) => [x.offset, i]));
    starts = [];
    for (const [k, off] of px.basicOffsetTable.entries()) {
      const i = byOffset.get(off);
      if (i === undefined)
        return {
          ok: false,
          reason: `the Basic Offset Table entry ${k + 1} (${off}) does not point at the start of a fragment`,
        };
      starts.push(i);
    }
  } else if (frames === 1) starts = [0];
  else if (f.length === frames) starts = f.map((_x, i) => i);
  else {
    starts = [];
    let s = 0;
    for (;;) {
      starts.push(s);
      let e = s;
      while (e < f.length && !endsWithEoi(src, f[e]!)) e++;
      if (e >= f.length - 1) break;
      s = e + 1;
    }
    if (starts.length < frames)
      return {
        ok: false,
        reason: `NumberOfFrames (0028,0008) is ${frames} but the ${f.length} fragments hold only ${starts.length} frame(s) by their JPEG end-of-image markers (and there is no Basic Offset Table)`,
      };
  }
  const spans: number[] = [];
  for (let k = 0; k < frames; k++) {
    const first = f[starts[k]!]!;
    const last = f[(k + 1 < starts.length ? starts[k + 1]! : f.length) - 1]!;
    spans.push(first.position - 8, last.position + last.length);
  }
  return { ok: true, spans };
}

function endsWithEoi(src: ByteSource, x: Fragment): boolean {
  if (x.length < 2) return false;
  const n = Math.min(3, x.length);
  const b = src.read(x.position + x.length - n, n);
  const at = (i: number) => b[i] === 0xff && b[i + 1] === 0xd9;
  return at(n - 2) || (n === 3 && at(0));
}

/**
 * The value of each item in `bytes` (a frame's span, whose items the walk at ingest found), concatenated. As in
 * the walk, an item with an unexpected tag is a fragment too, and no value runs past the span.
 */
export function itemValues(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const length = Math.min(u32(bytes, pos + 4), bytes.length - pos - 8);
    parts.push(bytes.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
