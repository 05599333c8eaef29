import fs from 'node:fs';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { scanBytes, scanFile } from './scanner';
import type { BlobStore } from './storage';
import { failed, FAILURE, type StoreResult } from './ingest-result';
import { submitInstance, type Arrival } from './ingest-batch';

export { FAILURE, ingestHooks, type StoreResult, type StoreStatus } from './ingest-result';

/**
 * Store the instance in `tempPath` (complete, hashed and synced to disk while it was written: TempWriter.finish).
 * The temp file is always consumed.
 * Order: scan and validate by range (scan.ts; the file is never read whole; a small one is scanned from the bytes
 * the upload held) → the group
 * commit (ingest-batch.ts): ONE transaction, shared with the instances of other requests waiting at that moment,
 * judges identity under the identity locks, writes patient/study/series/instance rows, renames the temp file into
 * the blob store (fsync dir) and appends the audit entry; this call returns once it committed. A refusal at any
 * step leaves no blob, no row and no temp file; a crash before the commit leaves no row (at most an unreferenced
 * blob, swept at start); after it, the blob is already durable.
 */
export async function storeInstance(
  db: DB,
  store: BlobStore,
  actor: Actor,
  file: { tempPath: string; sha256: string; size: number; held?: Uint8Array | null },
  opts: {
    expectStudyUid?: string | undefined;
    hospitalId?: string;
    arrival?: Arrival;
    /** Called once the instance is in the group commit's queue, or refused before it (STOW keeps parts in order). */
    handedOver?: () => void;
  } = {},
): Promise<StoreResult> {
  let result: StoreResult | null = null;
  try {
    // The owning hospital: the uploader's, or (SR export by a consulting specialist) the study's own.
    const hospitalId = opts.hospitalId ?? actor.hospitalId;
    if (!hospitalId)
      return failed('rejected', 'only users of a hospital can store studies', FAILURE.processing);
    // A small instance is scanned from the bytes still in memory (TempWriter.held), a larger one from its file.
    const parsed = file.held ? scanBytes(file.held) : await scanFile(file.tempPath);
    if (!parsed.ok) return failed('rejected', parsed.reason, FAILURE.cannotUnderstand);
    const a = parsed.attrs;
    if (opts.expectStudyUid && opts.expectStudyUid !== a.studyUid) {
      return failed(
        'rejected',
        `the Study Instance UID (0020,000D) ${a.studyUid} does not match the study ${opts.expectStudyUid} in the request URL`,
        FAILURE.notMatchSopClass,
        a,
      );
    }
    const submitted = submitInstance(db, { store, actor, hospitalId, attrs: a, file }, opts.arrival);
    opts.handedOver?.(); // queued: the next part may follow
    result = await submitted;
    return result;
  } finally {
    opts.arrival?.done();
    opts.handedOver?.();
    // A stored instance's temp file was consumed by placeTemp (renamed into place, or dropped for a blob already
    // there); otherwise nothing of a refused upload remains.
    if (result?.status !== 'stored') await fs.promises.rm(file.tempPath, { force: true });
  }
}
