/**
 * Stores objects in its own process, for the object store's power-cut test (storage/fs-store-powercut.test.ts): as
 * ingest stores a DICOM blob (a temporary object written, synced, renamed into place under its content key, its
 * directory synced). Stores COUNT objects of deterministic bytes in STORAGE_DIR's `imaging` namespace, one at a
 * time, printing {"n","sha256"} once each commit has answered; the sizes cycle through small ones (written
 * whole from memory) and ones past HOLD_BYTES (streamed to their file), and every fifth stores an earlier object's
 * bytes again (renamed over it). Nothing is closed or flushed on the way out: it runs until killed.
 */
import { FsObjectStore, HOLD_BYTES } from '../storage/fs-store';

const objectBytes = (n: number): Buffer => {
  const size = [700, 5_000, 40_000, HOLD_BYTES + 3_000][n % 4]!;
  return Buffer.from(Array.from({ length: size }, (_x, i) => (i * 31 + n * 7) & 0xff));
};

const store = new FsObjectStore(process.env.STORAGE_DIR!, 'imaging');
for (let n = 1; n <= Number(process.env.COUNT); n++) {
  const bytes = objectBytes(n % 5 === 0 ? n - 3 : n);
  const t = store.temp();
  // In chunks, as a request body arrives.
  for (let off = 0; off < bytes.length; off += 16_384) await t.write(bytes.subarray(off, off + 16_384));
  const sha256 = await t.commitContent();
  process.stdout.write(`${JSON.stringify({ n, sha256 })}\n`);
}
// Stays up, as a server does, until the test kills it.
setInterval(() => undefined, 60_000);
