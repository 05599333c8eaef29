/**
 * Re-validation of instances stored before the validating scan (issue 12): their stored frame counts and frame
 * index were never checked against their bytes, so reads do not trust them. Each such row is scanned again by
 * range (scan.ts) — on its first read, and by a bounded background pass started with the server — and either
 * gets the scan's counts and frame index, or is quarantined with the scan's reason (reads then answer 409).
 */
import type { Executor } from '../db/database';
import { scanPart10, SCAN_VERSION } from './scan';
import { withFile } from './source';
import type { BlobStore } from './storage';
import { instancesScannedBefore, saveScan } from './revalidate-queries';

export interface ScanRow {
  id: string;
  sha256: string;
  transfer_syntax_uid: string;
  frames: number;
  pixel_offset: string | number | null;
  frame_length: string | number | null;
  frame_spans: string | null;
  scan_version: number;
  quarantine: string | null;
}

function scanBlob(store: BlobStore, sha256: string) {
  try {
    return withFile(store.pathOf(sha256), scanPart10);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false as const, reason: code === 'ENOENT' ? 'its stored file is missing' : String(e) };
  }
}

/** The row as the current scan sees it (unchanged when the current scan already checked it). */
export async function revalidateInstance<R extends ScanRow>(
  db: Executor,
  store: BlobStore,
  row: R,
): Promise<R> {
  if (row.scan_version >= SCAN_VERSION) return row;
  const r = scanBlob(store, row.sha256);
  const set = r.ok
    ? {
        frames: r.attrs.frames,
        rows: r.attrs.rows,
        columns: r.attrs.columns,
        bits_allocated: r.attrs.bitsAllocated,
        pixel_offset: r.attrs.frameIndex?.offset ?? null,
        frame_length: r.attrs.frameIndex?.length ?? null,
        frame_spans: r.attrs.frameSpans,
        quarantine: null,
        scan_version: SCAN_VERSION,
      }
    : { quarantine: r.reason, scan_version: SCAN_VERSION };
  await saveScan(db, row.id, set);
  return { ...row, ...set };
}

/**
 * Re-validate every row an older scan checked, `batch` rows at a time (each batch one query, then one update
 * per row), so the pass never holds much in memory or the database for long.
 */
export async function revalidateStored(
  db: Executor,
  store: BlobStore,
  batch = 50,
  stop: () => boolean = () => false,
): Promise<{ checked: number; quarantined: number }> {
  let checked = 0;
  let quarantined = 0;
  while (!stop()) {
    const rows = await instancesScannedBefore(db, SCAN_VERSION, batch);
    if (rows.length === 0) return { checked, quarantined };
    for (const row of rows) {
      const r = await revalidateInstance(db, store, row);
      checked++;
      if (r.quarantine) quarantined++;
    }
  }
  return { checked, quarantined };
}
