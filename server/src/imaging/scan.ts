import dicomParser, { type DataSet } from 'dicom-parser';
import { checkStructure, validateDataSet } from './validate';
import { encapsulatedSpans, walkEncapsulated, type PixelLayout } from './pixels';
import { bufferSource, type ByteSource } from './source';
import {
  clean,
  DEFLATED_TS,
  int,
  parseDataSet,
  parserMessage,
  text,
  type InstanceAttrs,
  type ParseOutcome,
} from './dicom';

/**
 * Parse and validate a Part 10 instance by range (issue 12: ingest never holds the file). The head of the file
 * is read and parsed up to the top-level Pixel Data element, growing until it holds the element's header; the
 * pixel data is walked by range (native: offset and length; encapsulated: item headers, the Basic Offset Table
 * and each frame's span); the elements after it are read and parsed apart. Everything is checked against the
 * bytes present (validate.ts). Deflated data sets are inflated whole (the deflate stream has no random access),
 * bounded by SCAN.deflatedFileBytes and the inflate limit.
 */
export const SCAN = {
  /** First head read; it grows ×4 while the pixel data element is not inside it. */
  headBytes: 64 * 1024,
  /** The data set before the pixel data (or the whole data set of an object without pixels) is at most this. */
  maxHeadBytes: 64 * 1024 * 1024,
  /** Elements after the pixel data (padding, rarely more) are at most this. */
  maxTailBytes: 16 * 1024 * 1024,
  /** A deflated file is inflated whole in memory, so it is at most this. */
  deflatedFileBytes: 64 * 1024 * 1024,
};

/** Version of this scan; rows checked by an older one (0: before it existed) are re-validated (revalidate.ts). */
export const SCAN_VERSION = 1;

const PIXEL = 'x7fe00010';
const UNDEFINED = 0xffffffff;
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
// Digits and dots. Leading zeros in a component are tolerated: real modalities write them (e.g. `.083000`).
const UID_RE = /^[0-9]+(\.[0-9]+)*$/;
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';
const MiB = (n: number) => `${Math.round(n / 1048576)} MiB`;

type Fail = { ok: false; reason: string };
const fail = (reason: string): Fail => ({ ok: false, reason });
const malformed = (e: unknown): Fail =>
  fail(
    `the data set is truncated, malformed or not encoded in the transfer syntax its meta header declares (${clean(parserMessage(e))})`,
  );

interface Head {
  ok: true;
  meta: DataSet;
  ts: string;
  ds: DataSet;
  /** Where the data set's bytes are (the inflated bytes of a deflated file). */
  body: ByteSource;
}

/** The meta header and the data set up to the pixel data element, from a head that grows as needed. */
function readHead(src: ByteSource): Head | Fail {
  for (let n = Math.min(src.size, SCAN.headBytes); ; n = Math.min(src.size, n * 4)) {
    const head = src.read(0, n);
    const complete = n >= src.size;
    let meta: DataSet;
    try {
      meta = dicomParser.readPart10Header(head, { untilTag: 'x0002ffff' } as never);
    } catch (e) {
      if (!complete && n < SCAN.maxHeadBytes) continue;
      return fail(`the Part 10 meta header (group 0002) is unreadable: ${clean(parserMessage(e))}`);
    }
    const ts = text(meta, 'x00020010');
    if (!ts) return fail('the Part 10 meta header has no Transfer Syntax UID (0002,0010)');
    if (!UID_RE.test(ts)) return fail(`the Transfer Syntax UID (0002,0010) "${ts}" is not a valid UID`);
    if (ts === DEFLATED_TS) {
      if (src.size > SCAN.deflatedFileBytes)
        return fail(
          `a deflated instance is inflated whole, so it may be at most ${MiB(SCAN.deflatedFileBytes)} (this one is ${MiB(src.size)}); send it in an uncompressed or pixel-compressed transfer syntax`,
        );
      try {
        const ds = parseDataSet(complete ? head : src.read(0, src.size), PIXEL);
        return { ok: true, meta, ts, ds, body: bufferSource(ds.byteArray) };
      } catch (e) {
        return malformed(e);
      }
    }
    let ds: DataSet | null = null;
    let error: unknown = null;
    try {
      ds = parseDataSet(head, PIXEL);
    } catch (e) {
      error = e;
    }
    if (ds?.elements[PIXEL] || (complete && ds)) return { ok: true, meta, ts, ds, body: src };
    // An element that claims bytes past the end of the FILE is named now (growing would not help).
    const beyond = ds ? checkStructure(ds, src.size) : null;
    if (beyond) return fail(beyond);
    if (complete) return malformed(error);
    if (n >= SCAN.maxHeadBytes)
      return fail(
        `the data set before the pixel data is larger than ${MiB(SCAN.maxHeadBytes)}, the limit for attributes and documents`,
      );
  }
}

/** The data set of a stored instance up to its pixel data element (for headers and rendering). */
export function readHeadDataSet(src: ByteSource): { ok: true; ds: DataSet } | Fail {
  const head = readHead(src);
  return head.ok ? { ok: true, ds: head.ds } : head;
}

/** The elements after the pixel data, parsed apart (they are rare: trailing padding, a few private tags). */
function readTail(body: ByteSource, ts: string, from: number): { ds: DataSet; base: number } | null | Fail {
  if (from >= body.size) return null;
  if (body.size - from > SCAN.maxTailBytes)
    return fail(
      `${body.size - from} bytes follow the pixel data (7FE0,0010); at most ${MiB(SCAN.maxTailBytes)} of elements may follow it`,
    );
  const bytes = body.read(from, body.size - from);
  const parser =
    ts === EXPLICIT_BE ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
  // The DataSet class is exported at run time but missing from the typings.
  const DataSetClass = (dicomParser as unknown as { DataSet: new (...a: unknown[]) => DataSet }).DataSet;
  const ds = new DataSetClass(parser, bytes, {});
  ds.warnings = [];
  const stream = new dicomParser.ByteStream(parser, bytes as never, 0);
  try {
    if (ts === IMPLICIT_LE) dicomParser.parseDicomDataSetImplicit(ds, stream, bytes.length);
    else dicomParser.parseDicomDataSetExplicit(ds, stream, bytes.length);
  } catch (e) {
    return malformed(e);
  }
  return { ds, base: from };
}

/** The pixel data element of the head, walked by range. */
function pixelLayout(body: ByteSource, ds: DataSet, ts: string): PixelLayout | null | Fail {
  const el = ds.elements[PIXEL];
  if (!el) return null;
  if (el.length !== UNDEFINED)
    return { kind: 'native', offset: el.dataOffset, length: el.length, end: el.dataOffset + el.length };
  if (ts === IMPLICIT_LE) return { kind: 'native', offset: el.dataOffset, length: UNDEFINED, end: body.size };
  const walked = walkEncapsulated(body, el.dataOffset);
  return walked.ok ? walked.layout : walked;
}

/** Parse and validate an instance (see the module comment). */
export function scanPart10(src: ByteSource): ParseOutcome {
  if (src.size < 132)
    return fail(`not a DICOM file: only ${src.size} bytes, too short for the Part 10 header`);
  if (Buffer.from(src.read(128, 4)).toString('latin1') !== 'DICM')
    return fail("not a DICOM Part 10 file: the 128-byte preamble and 'DICM' prefix are missing");
  const head = readHead(src);
  if (!head.ok) return head;
  const { meta, ts, ds, body } = head;
  const px = pixelLayout(body, ds, ts);
  if (px && 'ok' in px) return px;
  const tail = px ? readTail(body, ts, px.end) : null;
  if (tail && 'ok' in tail) return tail;
  // Structure and pixel geometry first: an element running past the end hides what follows it.
  const checked = validateDataSet(ds, body.size, px, tail);
  if (!checked.ok) return checked;
  const g = checked.geometry;
  let frameSpans: string | null = null;
  if (px?.kind === 'encapsulated') {
    const spans = encapsulatedSpans(body, px, g.frames);
    if (!spans.ok) return spans;
    if (ts !== DEFLATED_TS) frameSpans = JSON.stringify({ items: spans.spans });
  } else if (px && !g.frameIndex && ts !== DEFLATED_TS) {
    // Native frames that are not whole bytes (1-bit): each frame's bytes start at a bit offset.
    const bits = bitsPerFrame(ds);
    if (bits > 0) frameSpans = JSON.stringify({ offset: px.offset, frameBits: bits });
  }
  return attributes(meta, ds, ts, g, frameSpans);
}

const bitsPerFrame = (ds: DataSet) =>
  (int(ds, 'x00280010') ?? 0) *
  (int(ds, 'x00280011') ?? 0) *
  (int(ds, 'x00280002') ?? 1) *
  (int(ds, 'x00280100') ?? 0);

function attributes(
  meta: DataSet,
  ds: DataSet,
  ts: string,
  g: Extract<ReturnType<typeof validateDataSet>, { ok: true }>['geometry'],
  frameSpans: string | null,
): ParseOutcome {
  const metaClass = text(meta, 'x00020002');
  const metaInst = text(meta, 'x00020003');
  const sopClassUid = text(ds, 'x00080016') || metaClass;
  const sopInstanceUid = text(ds, 'x00080018') || metaInst;
  if (sopClassUid === MEDIA_STORAGE_DIRECTORY || metaClass === MEDIA_STORAGE_DIRECTORY)
    return fail(
      'this is a DICOMDIR (media storage directory), not an image or document instance; upload the files it lists',
    );
  const required: [string, string, string][] = [
    [sopClassUid, 'SOP Class UID', '(0008,0016)'],
    [sopInstanceUid, 'SOP Instance UID', '(0008,0018)'],
    [text(ds, 'x0020000d'), 'Study Instance UID', '(0020,000D)'],
    [text(ds, 'x0020000e'), 'Series Instance UID', '(0020,000E)'],
  ];
  for (const [v, name, tag] of required) {
    if (!v) return fail(`missing ${name} ${tag}`);
    if (v.length > 64 || !UID_RE.test(v))
      return fail(`the ${name} ${tag} "${v.slice(0, 80)}" is not a valid UID`);
  }
  // Policy: when the meta header's (0002,0003) differs from (0008,0018) the data set wins (it is what QIDO
  // and viewers read); several real-world writers leave a stale meta value.
  for (const [tag, name] of [
    ['x00200011', 'SeriesNumber (0020,0011)'],
    ['x00200013', 'InstanceNumber (0020,0013)'],
  ] as const) {
    const v = int(ds, tag);
    if (v !== null && (v < -2147483648 || v > 2147483647))
      return fail(`${name} is ${v}, beyond the range of an Integer String (IS)`);
  }
  const cs = text(ds, 'x00080005');
  const attrs: InstanceAttrs = {
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
    frameSpans,
  };
  return { ok: true, attrs, dataSet: ds };
}
