import fs from 'node:fs';
import {
  contentKey,
  FsObjectStore,
  KeptDescriptors,
  openStore,
  type ObjectStat,
  type TempObject,
} from '../storage';

const sharedHandles = new KeptDescriptors();

/**
 * The imaging capability's content-addressed DICOM blobs: the `imaging` namespace of the platform storage
 * (server/src/storage, STORAGE_DIR/imaging), `blobs/ab/abcdef…` named by sha256, written as temp file → fsync →
 * rename → fsync directory by the shared-mount-safe filesystem driver. Uploads land in `tmp/` first; nothing in
 * `tmp/` is referenced by the index, so a crash leaves at most garbage there (swept by age at start) or an
 * unreferenced blob (harmless; the index never points at a blob that is not durable).
 */
export class BlobStore {
  readonly objects: FsObjectStore;
  readonly root: string;
  readonly tmpDir: string;
  readonly blobDir: string;
  /** Open blobs for range reads (storage/kept-descriptors.ts), shared by every BlobStore of the process. */
  readonly handles = sharedHandles;

  /** `storageDir`: the deployment's storage directory (STORAGE_DIR, by default DATA_DIR). */
  constructor(storageDir: string) {
    this.objects = openStore(storageDir, 'imaging');
    this.root = this.objects.root;
    this.tmpDir = this.objects.tmpDir;
    this.blobDir = this.objects.pathOf('blobs');
    fs.mkdirSync(this.blobDir, { recursive: true });
  }

  /**
   * Remove temp files left by a crash. Only files untouched for `olderThanMs` go, so uploads in flight in
   * another process or node sharing the storage are safe.
   */
  sweepTemp(olderThanMs = 3600_000): number {
    return this.objects.sweepTemp(olderThanMs);
  }

  /** A temp name unique to this host, process and call. */
  newTempPath(): string {
    return this.objects.newTempPath();
  }

  pathOf(sha256: string): string {
    return this.objects.pathOf(contentKey(sha256));
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  stat(sha256: string): Promise<ObjectStat | null> {
    return this.objects.stat(contentKey(sha256));
  }

  /**
   * Rename a synced temp file into place as the blob `sha256` (replacing the same bytes if the blob is there) and
   * make the rename durable. The temp file is consumed.
   */
  placeTemp(tempPath: string, sha256: string, size?: number): Promise<void> {
    return this.objects.placeFile(tempPath, contentKey(sha256), { content: true, size });
  }

  read(sha256: string): Promise<Buffer> {
    return this.objects.get(contentKey(sha256));
  }

  /** `length` bytes of a blob from `offset` (fewer when the blob ends first), through a kept descriptor. */
  readRange(sha256: string, offset: number, length: number): Promise<Buffer> {
    return this.handles.read(this.pathOf(sha256), offset, length);
  }

  /** The first `bytes` bytes of a blob (all of it when it is shorter). */
  readHead(sha256: string, bytes: number): Promise<Buffer> {
    return this.readRange(sha256, 0, bytes);
  }

  stream(sha256: string): fs.ReadStream {
    return this.objects.stream(contentKey(sha256)) as fs.ReadStream;
  }
}

/** Writes a stream of chunks to a temp file while hashing it; abort() removes the file. */
export class TempWriter {
  readonly #temp: TempObject;

  constructor(store: BlobStore) {
    this.#temp = store.objects.temp();
  }

  get path(): string {
    return this.#temp.path;
  }

  get size(): number {
    return this.#temp.size;
  }

  /** The whole file once finished, when it was small enough to be held in memory; else null. */
  get held(): Uint8Array | null {
    return this.#temp.held;
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.#temp.write(chunk);
  }

  /**
   * Stop writing: its sha256 hex now, and `durable`, settled once the file is synced and closed (TempObject.seal).
   * Ingest hands both on, so that the disk syncs while the group commit takes its locks.
   */
  seal(): { sha256: string; durable: Promise<void> } {
    return this.#temp.seal();
  }

  /** Make the file durable (fsync) and close it; returns its sha256 hex. */
  finish(): Promise<string> {
    return this.#temp.finish();
  }

  abort(): Promise<void> {
    return this.#temp.abort();
  }
}
