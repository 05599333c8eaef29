import type { DataSet, Element } from 'dicom-parser';
import { keywordOfTag, vrOfTag } from './dictionary';
import type { PixelLayout } from './pixels';

/**
 * Untrusted header values never size work (issue 12): every value that later drives allocation or a loop —
 * element lengths, sequence depth, Rows, Columns, Samples per Pixel, Bits Allocated, Number of Frames, fragment
 * counts, the Basic Offset Table — is checked here against the bytes actually present, at ingest, before anything
 * is stored. A file that fails is refused with a reason naming the attribute and the numbers; nothing is
 * clamped. What passes is stored with its validated frame count, and readers trust only that.
 */
export const LIMITS = {
  /** Items nested in sequences deeper than this are refused (real objects stay below ten). */
  sequenceDepth: 32,
  /** Rows and Columns are US: 1..65535. */
  maxDimension: 65535,
} as const;

const UNDEFINED = 0xffffffff;
const BITS = new Set([1, 8, 16, 32]);

export interface PixelGeometry {
  /** Number of frames, 0 without pixel data. */
  frames: number;
  rows: number | null;
  columns: number | null;
  bitsAllocated: number | null;
  /** Native pixel data with byte-aligned frames: offset of frame 1 in the data set's bytes and bytes per frame. */
  frameIndex: { offset: number; length: number } | null;
}

const tagLabel = (tag: string) => {
  const t = tag.slice(1).toUpperCase();
  const name = keywordOfTag(t);
  return `${name ? `${name} ` : ''}(${t.slice(0, 4)},${t.slice(4)})`;
};

/**
 * Where a data set's elements may lie: offsets in `ds` are relative to `base` in a data set of `size` bytes
 * (the elements after the pixel data are parsed apart from the head, at their own base).
 */
interface Extent {
  size: number;
  base: number;
}

/** Every element (nested ones too) ends inside the file; sequences nest at most LIMITS.sequenceDepth deep. */
function checkElements(ds: DataSet, at: Extent, depth: number): string | null {
  for (const [tag, el] of Object.entries(ds.elements)) {
    const fault = checkElement(tag, el, at, depth);
    if (fault) return fault;
  }
  return null;
}

function checkElement(tag: string, el: Element, at: Extent, depth: number): string | null {
  const offset = at.base + el.dataOffset;
  if (el.length !== UNDEFINED && (el.length < 0 || offset + el.length > at.size)) {
    return `the element ${tagLabel(tag)} claims ${el.length} bytes at offset ${offset}, past the end of the ${at.size}-byte data set (the file is truncated or the length is corrupt)`;
  }
  if (el.items?.length) {
    if (depth + 1 > LIMITS.sequenceDepth)
      return `sequences are nested more than ${LIMITS.sequenceDepth} deep (at ${tagLabel(tag)})`;
    for (const item of el.items) {
      if (item.dataSet) {
        const fault = checkElements(item.dataSet, at, depth + 1);
        if (fault) return fault;
      }
    }
  }
  return null;
}

/** A numeric attribute: US binary or IS/DS text; `undefined` when absent, NaN when unreadable. */
function numberOf(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return undefined;
  // Implicit VR carries no VR: the dictionary's decides (NumberOfFrames is IS text even when 2 bytes long).
  const vr = el.vr ?? vrOfTag(tag.slice(1));
  if (vr === 'US') return el.length === 2 ? (ds.uint16(tag) ?? Number.NaN) : Number.NaN;
  const s = (ds.string(tag) ?? '').trim();
  return /^[+]?\d{1,15}$/.test(s) ? Number(s) : Number.NaN;
}

type Fault = { ok: false; reason: string };
const fault = (reason: string): Fault => ({ ok: false, reason });

/** The elements of a data set (parsed apart, at `base`) end inside the `size` bytes; null when they do. */
export function checkStructure(ds: DataSet, size: number, base = 0): string | null {
  return checkElements(ds, { size, base }, 0);
}

/**
 * Check the element tree and the pixel geometry of a data set against the bytes present: `ds` holds the
 * elements before the pixel data (parsed from the head of the file), `px` the pixel data as walked by range,
 * `after` the elements that follow it (parsed apart), `size` the bytes of the data set.
 */
export function validateDataSet(
  ds: DataSet,
  size: number,
  px: PixelLayout | null,
  after: { ds: DataSet; base: number } | null = null,
): { ok: true; geometry: PixelGeometry } | Fault {
  const structural = checkStructure(ds, size) ?? (after ? checkStructure(after.ds, size, after.base) : null);
  if (structural) return fault(structural);
  if (px?.kind === 'encapsulated')
    for (const f of px.fragments)
      if (f.length < 0 || f.position + f.length > size)
        return fault(
          `a pixel data fragment claims ${f.length} bytes at offset ${f.position}, past the end of the ${size}-byte data set`,
        );
  const rows = numberOf(ds, 'x00280010');
  const columns = numberOf(ds, 'x00280011');
  const bits = numberOf(ds, 'x00280100');
  if (!px) {
    const n = (v: number | undefined) =>
      v !== undefined && Number.isFinite(v) && v <= LIMITS.maxDimension ? v : null;
    return {
      ok: true,
      geometry: { frames: 0, rows: n(rows), columns: n(columns), bitsAllocated: n(bits), frameIndex: null },
    };
  }
  const spp = numberOf(ds, 'x00280002') ?? 1;
  const framesRaw = numberOf(ds, 'x00280008');
  const frames = framesRaw ?? 1;
  for (const [v, name, tag, ok, want] of [
    [rows, 'Rows', '(0028,0010)', (x: number) => x >= 1 && x <= LIMITS.maxDimension, '1 to 65535'],
    [columns, 'Columns', '(0028,0011)', (x: number) => x >= 1 && x <= LIMITS.maxDimension, '1 to 65535'],
    [bits, 'BitsAllocated', '(0028,0100)', (x: number) => BITS.has(x), '1, 8, 16 or 32'],
    [spp, 'SamplesPerPixel', '(0028,0002)', (x: number) => x === 1 || x === 3, '1 or 3'],
  ] as const) {
    if (v === undefined) return fault(`the image has pixel data but no ${name} ${tag}`);
    if (!Number.isFinite(v) || !ok(v)) return fault(`${name} ${tag} is ${String(v)}; it must be ${want}`);
  }
  if (!Number.isFinite(frames) || frames < 1)
    return fault(
      `NumberOfFrames (0028,0008) is "${(ds.string('x00280008') ?? '').trim()}"; it must be a whole number ≥ 1`,
    );
  const geometry: PixelGeometry = {
    frames,
    rows: rows!,
    columns: columns!,
    bitsAllocated: bits!,
    frameIndex: null,
  };
  const dims = `Rows ${rows} × Columns ${columns} × SamplesPerPixel ${spp} × BitsAllocated ${bits}`;
  if (px.kind === 'encapsulated') {
    const fragments = px.fragments.length;
    if (fragments === 0) return fault('the encapsulated pixel data (7FE0,0010) holds no fragments');
    if (frames > fragments)
      return fault(
        `NumberOfFrames (0028,0008) is ${frames} but the encapsulated pixel data holds only ${fragments} fragment(s); each frame needs at least one`,
      );
    const bot = px.basicOffsetTable;
    if (bot.length > 0) {
      const total = px.fragments.reduce((s, f) => s + f.length + 8, 0);
      if (bot.length !== frames)
        return fault(
          `the Basic Offset Table lists ${bot.length} frame(s) but NumberOfFrames (0028,0008) is ${frames}`,
        );
      for (let k = 0; k < bot.length; k++) {
        if (bot[k]! >= total || (k > 0 && bot[k]! <= bot[k - 1]!))
          return fault(
            `the Basic Offset Table entry ${k + 1} (${bot[k]}) is out of order or beyond the ${total} bytes of fragments`,
          );
      }
    }
    return { ok: true, geometry };
  }
  if (px.length === UNDEFINED)
    return fault('the native (uncompressed) pixel data (7FE0,0010) has an undefined length');
  const needed = Math.ceil((frames * rows! * columns! * spp * bits!) / 8);
  if (needed > px.length)
    return fault(
      `NumberOfFrames (0028,0008) ${frames} × ${dims} needs ${needed} bytes of pixel data, but the pixel data (7FE0,0010) holds ${px.length}`,
    );
  if (bits! >= 8) geometry.frameIndex = { offset: px.offset, length: (rows! * columns! * spp * bits!) / 8 };
  return { ok: true, geometry };
}
