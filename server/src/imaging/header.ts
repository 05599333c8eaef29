import type { DataSet } from 'dicom-parser';
import { parseDataSet } from './dicom';
import { dataSetToJson, type JsonDataSet } from './dicomjson';
import type { BlobStore } from './storage';

/**
 * The attributes of a stored instance that the index does not keep, for QIDO `includefield`: the data set up to
 * the pixel data, as DICOM JSON without bulk data. Only the head of the blob is read (attributes precede the
 * pixel data; 64 KiB holds the header of every corpus file); the whole blob only when the head is not enough
 * (a larger header, a deflated data set). Blobs are content-addressed and never change, so a header is cached by
 * hash for good (bounded LRU).
 */
const PIXEL_DATA = 'x7fe00010';
const CACHE_ENTRIES = 4096;
const cache = new Map<string, JsonDataSet>();

/**
 * `reads` counts blob reads, so tests can prove that indexed attributes never touch a blob; `headBytes` is how
 * much of a blob is read first (tests shrink it to exercise the whole-blob path).
 */
export const headerStats = { reads: 0, headBytes: 64 * 1024 };

/** Forget cached headers (tests that count blob reads start from a cold cache). */
export const forgetHeaders = () => cache.clear();

export async function instanceHeader(store: BlobStore, sha256: string): Promise<JsonDataSet> {
  const hit = cache.get(sha256);
  if (hit) {
    cache.delete(sha256);
    cache.set(sha256, hit);
    return hit;
  }
  headerStats.reads++;
  const head = await store.readHead(sha256, headerStats.headBytes);
  const ds =
    parseHead(head, head.length < headerStats.headBytes) ??
    parseDataSet(await store.read(sha256), PIXEL_DATA);
  const json = withoutBulk(dataSetToJson(ds, { skipMeta: true }));
  cache.set(sha256, json);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return json;
}

/** The data set from the head of a file, or null when the head stops before the pixel data. */
function parseHead(head: Buffer, complete: boolean): DataSet | null {
  try {
    const ds = parseDataSet(head, PIXEL_DATA);
    return complete || ds.elements[PIXEL_DATA] ? ds : null;
  } catch (e) {
    if (complete) throw e;
    return null;
  }
}

const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** QIDO returns no bulk data: drop pixel data, padding and binary values too large to inline. */
function withoutBulk(ds: JsonDataSet): JsonDataSet {
  const out: JsonDataSet = {};
  for (const [tag, a] of Object.entries(ds)) {
    if (tag.startsWith('7FE0') || tag === 'FFFAFFFA' || tag === 'FFFCFFFC') continue;
    if (BINARY.has(a.vr) && a.InlineBinary === undefined) continue;
    out[tag] = a;
  }
  return out;
}
