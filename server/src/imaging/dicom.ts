import zlib from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { decodeText } from './charset';
import { validateDataSet } from './validate';
import { vrOfTag } from './dictionary';

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
}

export type ParseOutcome =
  { ok: true; attrs: InstanceAttrs; dataSet: DataSet } | { ok: false; reason: string };

// Digits and dots. Leading zeros in a component are tolerated: real modalities write them (e.g. `.083000`).
const UID_RE = /^[0-9]+(\.[0-9]+)*$/;
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';
export const DEFLATED_TS = '1.2.840.10008.1.2.1.99';
/** Largest data set a deflated file may inflate to. */
const MAX_INFLATED = 1024 * 1024 * 1024;

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
function parserMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'sequences are nested too deeply';
  if (e instanceof RangeError && /maxOutputLength|buffer/i.test(e.message))
    return `the deflated data set inflates beyond ${MAX_INFLATED / 1048576} MiB`;
  if (e instanceof Error) return e.message;
  const x = e as { exception?: unknown } | null;
  if (x && x.exception !== undefined) return parserMessage(x.exception);
  return 'unreadable data';
}
const clean = (m: string) => m.replace(/^dicomParser\.[A-Za-z0-9_.]+:\s*/, '');

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

function int(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return null;
  const vr = el.vr ?? vrOfTag(tag.slice(1));
  if (el.length === 2 && (vr === 'US' || vr === 'SS')) return ds.uint16(tag) ?? null;
  const n = Number.parseInt(text(ds, tag), 10);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parse a Part 10 file and check what storage needs. A failure names the fault in words an uploader can act
 * on (never a stack trace). Policy for files without the Part 10 header: rejected (we do not guess the transfer
 * syntax of a bare data set).
 */
export function parsePart10(bytes: Uint8Array): ParseOutcome {
  if (bytes.length < 132)
    return {
      ok: false,
      reason: `not a DICOM file: only ${bytes.length} bytes, too short for the Part 10 header`,
    };
  const prefix = Buffer.from(bytes.subarray(128, 132)).toString('latin1');
  if (prefix !== 'DICM') {
    return {
      ok: false,
      reason: "not a DICOM Part 10 file: the 128-byte preamble and 'DICM' prefix are missing",
    };
  }
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes, { untilTag: 'x0002ffff' } as never);
  } catch (e) {
    return {
      ok: false,
      reason: `the Part 10 meta header (group 0002) is unreadable: ${clean(parserMessage(e))}`,
    };
  }
  const ts = text(meta, 'x00020010');
  if (!ts) return { ok: false, reason: 'the Part 10 meta header has no Transfer Syntax UID (0002,0010)' };
  if (!UID_RE.test(ts))
    return { ok: false, reason: `the Transfer Syntax UID (0002,0010) "${ts}" is not a valid UID` };
  let ds: DataSet;
  try {
    ds = parseDataSet(bytes);
  } catch (e) {
    return {
      ok: false,
      reason: `the data set is truncated, malformed or not encoded in the transfer syntax its meta header declares (${clean(parserMessage(e))})`,
    };
  }
  // Structure and pixel geometry first: an element running past the end hides what follows it.
  const checked = validateDataSet(ds);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  const metaClass = text(meta, 'x00020002');
  const metaInst = text(meta, 'x00020003');
  const sopClassUid = text(ds, 'x00080016') || metaClass;
  const sopInstanceUid = text(ds, 'x00080018') || metaInst;
  if (sopClassUid === MEDIA_STORAGE_DIRECTORY || metaClass === MEDIA_STORAGE_DIRECTORY) {
    return {
      ok: false,
      reason:
        'this is a DICOMDIR (media storage directory), not an image or document instance; upload the files it lists',
    };
  }
  const required: [string, string, string][] = [
    [sopClassUid, 'SOP Class UID', '(0008,0016)'],
    [sopInstanceUid, 'SOP Instance UID', '(0008,0018)'],
    [text(ds, 'x0020000d'), 'Study Instance UID', '(0020,000D)'],
    [text(ds, 'x0020000e'), 'Series Instance UID', '(0020,000E)'],
  ];
  for (const [v, name, tag] of required) {
    if (!v) return { ok: false, reason: `missing ${name} ${tag}` };
    if (v.length > 64 || !UID_RE.test(v))
      return { ok: false, reason: `the ${name} ${tag} "${v.slice(0, 80)}" is not a valid UID` };
  }
  // Policy: when the meta header's (0002,0003) differs from (0008,0018) the data set wins (it is what QIDO
  // and viewers read); several real-world writers leave a stale meta value.
  // A pixel data element that runs past the end of the file is a truncated upload.
  const px = ds.elements.x7fe00010;
  if (px && px.length !== 0xffffffff && px.dataOffset + px.length > ds.byteArray.length) {
    return { ok: false, reason: 'the pixel data (7FE0,0010) is truncated' };
  }
  for (const [tag, name] of [
    ['x00200011', 'SeriesNumber (0020,0011)'],
    ['x00200013', 'InstanceNumber (0020,0013)'],
  ] as const) {
    const v = int(ds, tag);
    if (v !== null && (v < -2147483648 || v > 2147483647))
      return { ok: false, reason: `${name} is ${v}, beyond the range of an Integer String (IS)` };
  }
  const g = checked.geometry;
  const cs = text(ds, 'x00080005');
  return {
    ok: true,
    dataSet: ds,
    attrs: {
      transferSyntaxUid: ts,
      sopClassUid,
      sopInstanceUid,
      studyUid: text(ds, 'x0020000d'),
      seriesUid: text(ds, 'x0020000e'),
      patientId: text(ds, 'x00100020', cs),
      issuer: text(ds, 'x00100021', cs),
      patientName: text(ds, 'x00100010', cs),
      birthDate: text(ds, 'x00100030'),
      sex: text(ds, 'x00100040'),
      studyDate: text(ds, 'x00080020'),
      studyTime: text(ds, 'x00080030'),
      accessionNumber: text(ds, 'x00080050', cs),
      studyId: text(ds, 'x00200010', cs),
      studyDescription: text(ds, 'x00081030', cs),
      referringPhysician: text(ds, 'x00080090', cs),
      modality: text(ds, 'x00080060'),
      seriesNumber: int(ds, 'x00200011'),
      seriesDescription: text(ds, 'x0008103e', cs),
      bodyPart: text(ds, 'x00180015'),
      instanceNumber: int(ds, 'x00200013'),
      rows: g.rows,
      columns: g.columns,
      frames: g.frames,
      bitsAllocated: g.bitsAllocated,
      // Offsets into a deflated data set are offsets into the inflated bytes, not the file.
      frameIndex: ts === DEFLATED_TS ? null : g.frameIndex,
    },
  };
}
