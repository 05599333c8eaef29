import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Content-addressed blob store under `<dataDir>/imaging`: `blobs/ab/abcdef…` named by sha256, written as
 * temp file → fsync → rename → fsync directory. Uploads land in `tmp/` first; nothing in `tmp/` is referenced
 * by the index, so a crash leaves at most garbage there (cleared at start) or an unreferenced blob (harmless;
 * the index never points at a blob that is not durable).
 */
export class BlobStore {
  readonly root: string;
  readonly tmpDir: string;
  readonly blobDir: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'imaging');
    this.tmpDir = path.join(this.root, 'tmp');
    this.blobDir = path.join(this.root, 'blobs');
    fs.mkdirSync(this.tmpDir, { recursive: true });
    fs.mkdirSync(this.blobDir, { recursive: true });
  }

  /**
   * Remove temp files left by a crash. Only files untouched for `olderThanMs` go, so uploads in flight in
   * another process sharing DATA_DIR are safe.
   */
  sweepTemp(olderThanMs = 3600_000): number {
    let n = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const f of fs.readdirSync(this.tmpDir)) {
      const p = path.join(this.tmpDir, f);
      try {
        if (fs.statSync(p).mtimeMs <= cutoff) {
          fs.rmSync(p, { force: true });
          n++;
        }
      } catch {
        // vanished meanwhile
      }
    }
    return n;
  }

  newTempPath(): string {
    return path.join(this.tmpDir, `${Date.now().toString(36)}-${crypto.randomBytes(8).toString('hex')}.part`);
  }

  pathOf(sha256: string): string {
    return path.join(this.blobDir, sha256.slice(0, 2), sha256);
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await fs.promises.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** Flush a complete temp file to disk (before the index transaction, so the transaction waits on no fsync). */
  async syncTemp(tempPath: string): Promise<void> {
    const fh = await fs.promises.open(tempPath, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /**
   * Rename a synced temp file into place as the blob `sha256` and make the rename durable. The temp file is
   * consumed (renamed or, when the blob already exists, deleted). Returns whether this call created the blob.
   */
  async placeTemp(tempPath: string, sha256: string): Promise<boolean> {
    const dest = this.pathOf(sha256);
    if (await this.exists(sha256)) {
      await fs.promises.rm(tempPath, { force: true });
      return false;
    }
    const dir = path.dirname(dest);
    await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.rename(tempPath, dest);
    await fsyncDir(dir);
    return true;
  }

  /** syncTemp + placeTemp. */
  async commitTemp(tempPath: string, sha256: string): Promise<void> {
    await this.syncTemp(tempPath);
    await this.placeTemp(tempPath, sha256);
  }

  read(sha256: string): Promise<Buffer> {
    return fs.promises.readFile(this.pathOf(sha256));
  }

  /** `length` bytes of a blob from `offset` (fewer when the blob ends first). */
  async readRange(sha256: string, offset: number, length: number): Promise<Buffer> {
    const fh = await fs.promises.open(this.pathOf(sha256), 'r');
    try {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  /** The first `bytes` bytes of a blob (all of it when it is shorter). */
  readHead(sha256: string, bytes: number): Promise<Buffer> {
    return this.readRange(sha256, 0, bytes);
  }

  stream(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a stream of chunks to a temp file while hashing it; abort() removes the file. */
export class TempWriter {
  readonly path: string;
  #fh: fs.promises.FileHandle | null = null;
  #hash = crypto.createHash('sha256');
  size = 0;

  constructor(store: BlobStore) {
    this.path = store.newTempPath();
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.#fh) this.#fh = await fs.promises.open(this.path, 'w');
    this.#hash.update(chunk);
    this.size += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.#fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }

  /** Close the file; returns its sha256 hex. */
  async finish(): Promise<string> {
    if (!this.#fh) this.#fh = await fs.promises.open(this.path, 'w');
    await this.#fh.close();
    this.#fh = null;
    return this.#hash.digest('hex');
  }

  async abort(): Promise<void> {
    if (this.#fh) await this.#fh.close().catch(() => undefined);
    this.#fh = null;
    await fs.promises.rm(this.path, { force: true });
  }
}
