/**
 * Frames read by range (issue 12): the stored frame index says where each frame's bytes are — native
 * byte-aligned frames by `pixel_offset` + n × `frame_length`, encapsulated frames by their span of items
 * (`frame_spans.items`), bit-packed native frames by bit offset (`frame_spans.frameBits`) — so a frame costs its
 * own bytes and the header, never the blob. Deflated data sets have no random access: they are inflated whole
 * (bounded at ingest, scan.ts SCAN.deflatedFileBytes) and cached. Rows stored before the scan are re-validated
 * on first read (revalidate.ts) and a quarantined instance is refused with the reason.
 */
import type { DataSet } from 'dicom-parser';
import type { Executor } from '../db/database';
import { conflict, notFound } from '../errors';
import { DEFLATED_TS } from './dicom';
import { itemValues } from './pixels';
import { revalidateInstance, type ScanRow } from './revalidate';
import { readHeadDataSet } from './scan';
import { FileSource } from './source';
import type { BlobStore } from './storage';
import { extractFrame, FRAME_MEDIA, loadDataSet } from './wado';

export interface Frame {
  bytes: Uint8Array;
  contentType: string;
}

type Spans = { items: number[] } | { offset: number; frameBits: number };
const spansCache = new Map<string, Spans>();

function spansOf(row: ScanRow): Spans | null {
  if (!row.frame_spans) return null;
  let s = spansCache.get(row.sha256);
  if (!s) {
    s = JSON.parse(row.frame_spans) as Spans;
    spansCache.set(row.sha256, s);
    if (spansCache.size > 1024) spansCache.delete(spansCache.keys().next().value as string);
  }
  return s;
}

/**
 * The row as reads may trust it: re-validated first when an older scan (or none) checked it; a quarantined
 * instance answers 409 naming why.
 */
export async function trusted<R extends ScanRow>(db: Executor, store: BlobStore, row: R): Promise<R> {
  const r = await revalidateInstance(db, store, row);
  if (r.quarantine) throw conflict(`this instance failed validation and is quarantined: ${r.quarantine}`);
  return r;
}

/** Frame n (1-based) of a trusted row, by range. */
export async function readFrame(store: BlobStore, row: ScanRow, n: number): Promise<Frame> {
  if (!Number.isInteger(n) || n < 1 || n > row.frames)
    throw notFound(`frame ${n} (the instance has ${row.frames})`);
  const ts = row.transfer_syntax_uid;
  const raw = (bytes: Uint8Array) => ({
    bytes,
    contentType: `application/octet-stream; transfer-syntax=${ts}`,
  });
  if (row.pixel_offset !== null && row.frame_length !== null) {
    const length = Number(row.frame_length);
    return raw(await store.readRange(row.sha256, Number(row.pixel_offset) + (n - 1) * length, length));
  }
  const spans = spansOf(row);
  if (spans && 'items' in spans) {
    const [start, end] = [spans.items[2 * (n - 1)]!, spans.items[2 * (n - 1) + 1]!];
    const bytes = itemValues(await store.readRange(row.sha256, start, end - start));
    return { bytes, contentType: `${FRAME_MEDIA[ts] ?? 'application/octet-stream'}; transfer-syntax=${ts}` };
  }
  if (spans) {
    const start = spans.offset + Math.floor(((n - 1) * spans.frameBits) / 8);
    return raw(await store.readRange(row.sha256, start, Math.ceil(spans.frameBits / 8)));
  }
  if (ts !== DEFLATED_TS) throw notFound(`frame ${n} (the instance has no frame index)`);
  // Deflated: inflated whole (bounded at ingest), cached by content.
  return extractFrame(await loadDataSet(store, row.sha256), ts, n);
}

// ---- headers (the data set before the pixel data), cached by content: blobs never change
const HEAD_CACHE_BYTES = 64 * 1024 * 1024;
const heads = new Map<string, DataSet>();
let headBytes = 0;

/** The data set up to the pixel data element, read by range (the whole inflated data set when deflated). */
export async function headerOf(store: BlobStore, row: Pick<ScanRow, 'sha256' | 'transfer_syntax_uid'>) {
  if (row.transfer_syntax_uid === DEFLATED_TS) return loadDataSet(store, row.sha256);
  const hit = heads.get(row.sha256);
  if (hit) return hit;
  const src = new FileSource(store.pathOf(row.sha256));
  let ds: DataSet;
  try {
    const head = readHeadDataSet(src);
    if (!head.ok) throw conflict(`the stored instance cannot be read: ${head.reason}`);
    ds = head.ds;
  } finally {
    src.close();
  }
  heads.set(row.sha256, ds);
  headBytes += ds.byteArray.length;
  while (headBytes > HEAD_CACHE_BYTES && heads.size > 1) {
    const [k, v] = heads.entries().next().value as [string, DataSet];
    heads.delete(k);
    headBytes -= v.byteArray.length;
  }
  return ds;
}
