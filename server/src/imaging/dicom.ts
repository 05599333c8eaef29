import zlib from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { decodeText } from './charset';
import { vrOfTag } from './dictionary';
import { scanPart10 } from './scan';
import { bufferSource } from './source';

/** Index attributes of one instance, as QIDO needs them. Text is decoded; '' when absent. */
export interface InstanceAttrs {
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyUid: string;
  seriesUid: string;
  patientId: string;
  /** Issuer of Patient ID (0010,0021). */
  issuer: string;
  patientName: string;
  birthDate: string;
  sex: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  studyId: string;
  studyDescription: string;
  referringPhysician: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  bodyPart: string;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  frames: number;
  bitsAllocated: number | null;
  /** Where frames sit in the file, for range reads (native pixel data, not deflated); else null. */
  frameIndex: { offset: number; length: number } | null;
  /** Encapsulated (or bit-packed native) frames: where each frame's bytes sit (frames.ts reads them). */
  frameSpans: string | null;
}

/** `dataSet`: the elements before the pixel data (the whole data set when it has none). */
export type ParseOutcome =
  { ok: true; attrs: InstanceAttrs; dataSet: DataSet } | { ok: false; reason: string };

export const DEFLATED_TS = '1.2.840.10008.1.2.1.99';
/** Largest data set a deflated file may inflate to (it is inflated whole in memory). */
const MAX_INFLATED = 256 * 1024 * 1024;

/** Node's zlib for the deflated transfer syntax (the parser's own fallback needs `require`). */
function inflater(byteArray: Uint8Array, position: number): Uint8Array {
  // A deflate bomb stops at the limit (zlib throws) instead of exhausting memory.
  const inflated = zlib.inflateRawSync(byteArray.subarray(position), { maxOutputLength: MAX_INFLATED });
  const full = new Uint8Array(position + inflated.length);
  full.set(byteArray.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

/** Message of a dicom-parser failure (it throws strings, Errors, or `{ exception, dataSet }`). */
export function parserMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'sequences are nested too deeply';
  if (e instanceof RangeError && /maxOutputLength|buffer/i.test(e.message))
    return `the deflated data set inflates beyond ${MAX_INFLATED / 1048576} MiB`;
  if (e instanceof Error) return e.message;
  const x = e as { exception?: unknown } | null;
  if (x && x.exception !== undefined) return parserMessage(x.exception);
  return 'unreadable data';
}
export const clean = (m: string) => m.replace(/^dicomParser\.[A-Za-z0-9_.]+:\s*/, '');

/** Parse a Part 10 file; with `untilTag` parsing stops at that element (its value is not read). */
export function parseDataSet(bytes: Uint8Array, untilTag?: string): DataSet {
  return dicomParser.parseDicom(bytes, { inflater, ...(untilTag ? { untilTag } : {}) } as never);
}

export function text(ds: DataSet, tag: string, charset?: string): string {
  const el = ds.elements[tag];
  if (!el || el.length === 0 || el.dataOffset === undefined) return '';
  const raw = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  return charset === undefined
    ? Buffer.from(raw)
        .toString('latin1')
        .replace(/[\0 ]+$/, '')
        .trim()
    : decodeText(raw, charset).trim();
}

export function int(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return null;
  const vr = el.vr ?? vrOfTag(tag.slice(1));
  if (el.length === 2 && (vr === 'US' || vr === 'SS')) return ds.uint16(tag) ?? null;
  const n = Number.parseInt(text(ds, tag), 10);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parse a Part 10 file held in memory and check what storage needs (the same scan as ingest runs on a file by
 * range, scan.ts). A failure names the fault in words an uploader can act on (never a stack trace). Policy for
 * files without the Part 10 header: rejected (we do not guess the transfer syntax of a bare data set).
 */
export function parsePart10(bytes: Uint8Array): ParseOutcome {
  return scanPart10(bufferSource(bytes));
}
