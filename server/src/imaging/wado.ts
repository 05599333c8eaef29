import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import dicomParser, { type DataSet } from 'dicom-parser';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { notFound } from '../errors';
import { DEFLATED_TS, parseDataSet, text } from './dicom';
import * as q from './queries';
import { findVisibleInstance } from './wado-queries';
import type { BlobStore } from './storage';

export interface Part {
  contentType: string;
  /** A blob to stream, bytes, or bytes made when the part is sent (e.g. a transcoding). */
  sha256?: string;
  bytes?: Uint8Array;
  produce?: () => Promise<Uint8Array>;
  location?: string;
}

export const newBoundary = () => `consult-${crypto.randomBytes(12).toString('hex')}`;

const partHead = (boundary: string, p: Part) =>
  Buffer.from(
    `--${boundary}\r\nContent-Type: ${p.contentType}\r\n${p.location ? `Content-Location: ${p.location}\r\n` : ''}\r\n`,
  );
const CRLF = Buffer.from('\r\n');
/** In-memory parts up to this size in all are sent as one buffer; larger answers stream (no second copy). */
const ONE_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * A multipart/related body. Parts already in memory (frames, bulk data) up to ONE_BUFFER_BYTES go out as ONE
 * buffer with a Content-Length: one write to the socket instead of a chunked stream of four or more per part.
 * Otherwise the body is streamed part by part (blobs are read from disk as they are sent).
 */
export function multipartBody(store: BlobStore, parts: Part[], boundary: string): Buffer | Readable {
  const inMemory = parts.every((p) => p.bytes && !p.produce && !p.sha256);
  const size = inMemory ? parts.reduce((n, p) => n + p.bytes!.length, 0) : Infinity;
  if (size > ONE_BUFFER_BYTES) return multipartStream(store, parts, boundary);
  const chunks: Uint8Array[] = [];
  for (const p of parts) chunks.push(partHead(boundary, p), p.bytes!, CRLF);
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** A multipart/related body streamed part by part (blobs are read from disk as they are sent). */
export function multipartStream(store: BlobStore, parts: Part[], boundary: string): Readable {
  async function* gen() {
    for (const p of parts) {
      yield partHead(boundary, p);
      if (p.bytes) yield p.bytes;
      else if (p.produce) yield await p.produce();
      else if (p.sha256) for await (const c of store.stream(p.sha256)) yield c as Buffer;
      yield CRLF;
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return Readable.from(gen());
}

/** The visible instances addressed by a WADO path (study, series or instance level); none → 404. */
export async function resolveInstances(
  db: DB,
  actor: Actor,
  studyUid: string,
  seriesUid?: string,
  sopUid?: string,
) {
  const studies = await q.findStudies(db, actor, studyUid);
  const study = studies[0];
  if (!study) throw notFound('study');
  const rows = await q.listInstances(db, study.id, { seriesUid, sopInstanceUid: sopUid });
  if (rows.length === 0) throw notFound(sopUid ? 'instance' : 'series');
  return { study, rows };
}

/**
 * One visible instance addressed by its full path (the frames hot path): one statement (wado-queries.ts); when
 * nothing is found, resolveInstances says which level is missing (404 study / instance).
 */
export async function resolveInstance(
  db: DB,
  actor: Actor,
  uids: { study: string; series: string; sop: string },
): Promise<{ studyId: string; row: q.InstanceRow }> {
  const row = await findVisibleInstance(db, actor, uids);
  if (row) return { studyId: row.study_ref, row };
  const { study, rows } = await resolveInstances(db, actor, uids.study, uids.series, uids.sop);
  return { studyId: study.id, row: rows[0]! };
}

// ---- audit of image views: at most one event per user and study per window (a viewer loads hundreds of frames)
const AUDIT_WINDOW_MS = 5 * 60_000;
const lastAudit = new Map<string, number>();

export async function auditView(db: DB, actor: Actor, studyId: string, how: string): Promise<void> {
  const key = `${actor.id}:${studyId}`;
  const now = Date.now();
  const prev = lastAudit.get(key);
  if (prev !== undefined && now - prev < AUDIT_WINDOW_MS) return;
  lastAudit.set(key, now);
  if (lastAudit.size > 10_000)
    for (const [k, t] of lastAudit) if (now - t >= AUDIT_WINDOW_MS) lastAudit.delete(k);
  await recordAudit(db, {
    actor,
    action: 'imaging.study.view',
    entityType: 'imaging_study',
    entityId: studyId,
    ip: actor.ip,
    detail: { via: how },
  });
}

// ---- parsed data sets, cached by content hash (frames requests hit the same instance repeatedly)
const CACHE_BYTES = 256 * 1024 * 1024;
const cache = new Map<string, DataSet>();
let cached = 0;

export async function loadDataSet(store: BlobStore, sha256: string): Promise<DataSet> {
  const hit = cache.get(sha256);
  if (hit) {
    cache.delete(sha256);
    cache.set(sha256, hit);
    return hit;
  }
  const ds = parseDataSet(await store.read(sha256));
  cache.set(sha256, ds);
  cached += ds.byteArray.length;
  while (cached > CACHE_BYTES && cache.size > 1) {
    const [k, v] = cache.entries().next().value as [string, DataSet];
    cache.delete(k);
    cached -= v.byteArray.length;
  }
  return ds;
}

export const FRAME_MEDIA: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
};

/** Frame n (1-based) of an instance: raw bytes and the media type they are in. */
export function extractFrame(
  ds: DataSet,
  transferSyntaxUid: string,
  n: number,
): { bytes: Uint8Array; contentType: string } {
  const el = ds.elements.x7fe00010;
  if (!el) throw notFound('pixel data');
  // Stored instances were validated at ingest (validate.ts): the header's frame count fits the bytes. The
  // checks below still bound every read by the bytes present, whatever the header says.
  const frames = Math.max(1, Number.parseInt(text(ds, 'x00280008') || '1', 10) || 1);
  if (!Number.isInteger(n) || n < 1 || n > frames) throw notFound(`frame ${n} (the instance has ${frames})`);
  if (el.encapsulatedPixelData) {
    const fragments = el.fragments ?? [];
    if (n > fragments.length)
      throw notFound(`frame ${n} (the pixel data holds ${fragments.length} fragments)`);
    let bytes: Uint8Array;
    if (el.basicOffsetTable && el.basicOffsetTable.length === frames)
      bytes = dicomParser.readEncapsulatedImageFrame(ds, el, n - 1);
    else if (frames === 1)
      bytes = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
    else if (fragments.length === frames)
      bytes = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, n - 1, 1);
    else
      bytes = dicomParser.readEncapsulatedImageFrame(
        ds,
        el,
        n - 1,
        dicomParser.createJPEGBasicOffsetTable(ds, el),
      );
    const media = FRAME_MEDIA[transferSyntaxUid] ?? 'application/octet-stream';
    return { bytes, contentType: `${media}; transfer-syntax=${transferSyntaxUid}` };
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const cols = ds.uint16('x00280011') ?? 0;
  const spp = ds.uint16('x00280002') ?? 1;
  const bits = ds.uint16('x00280100') ?? 16;
  const frameBits = rows * cols * spp * bits;
  const start = el.dataOffset + Math.floor(((n - 1) * frameBits) / 8);
  const len = Math.ceil(frameBits / 8);
  if (start + len > Math.min(el.dataOffset + el.length, ds.byteArray.length))
    throw notFound(`frame ${n} (its bytes are not in the pixel data)`);
  const bytes = ds.byteArray.subarray(start, start + len);
  const ts = transferSyntaxUid === DEFLATED_TS ? '1.2.840.10008.1.2.1' : transferSyntaxUid;
  return { bytes, contentType: `application/octet-stream; transfer-syntax=${ts}` };
}

/** A top-level element's value bytes (BulkDataURI target). */
export function bulkData(ds: DataSet, tagHex: string): Uint8Array {
  const key = `x${tagHex.toLowerCase()}`;
  const el = ds.elements[key];
  if (!el || !/^[0-9a-f]{8}$/.test(tagHex.toLowerCase())) throw notFound(`bulk data ${tagHex}`);
  if (el.encapsulatedPixelData)
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, el.fragments?.length ?? 0);
  return ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
}
