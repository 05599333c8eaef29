/**
 * The filesystem driver of the storage interface, safe on a mount shared by several nodes (NFS, CephFS):
 *   - a temporary object is a file in `<namespace>/tmp/` named by host, process and 12 random bytes, so no two
 *     writers (threads, processes, nodes) ever share one;
 *   - commit = fsync the file, rename it into place (atomic on POSIX filesystems and on NFS/CephFS servers: a
 *     reader opens the old object or the new one, never a part), fsync the directory;
 *   - a content-addressed commit renames over an object already there (the same bytes): two nodes committing the
 *     same bytes at once both rename, the later one replaces an identical file, and either way one intact object
 *     remains. A rename that NFS retransmits after it took effect answers ENOENT: the object being there with the
 *     expected size counts as done;
 *   - no locks (flock/fcntl are unreliable or local-only on such mounts) and no node-local state: everything a
 *     node needs is in the files, and crash leftovers are swept by age (`sweepTemp`), never by "not mine".
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { KeptDescriptors } from './kept-descriptors';
import { checkKey, contentKey, TEMP_DIR, type ObjectStat, type ObjectStore, type TempObject } from './types';

/** `host.pid.random` part of every temporary name (host sanitised to the key alphabet). */
const NODE_TAG = `${os
  .hostname()
  .replace(/[^A-Za-z0-9-]/g, '_')
  .slice(0, 64)}.${process.pid}`;

export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly tmpDir: string;
  /** Directories this process made or found (one mkdir per directory, not per object; bounded by the key space). */
  readonly #dirs = new Set<string>();

  constructor(
    storageDir: string,
    readonly namespace: string,
  ) {
    this.root = path.join(storageDir, checkKey(namespace));
    this.tmpDir = path.join(this.root, TEMP_DIR);
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  /** The file of `key` (the imaging capability scans blobs in place). */
  pathOf(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  newTempPath(): string {
    return path.join(this.tmpDir, `${NODE_TAG}.${crypto.randomUUID()}.part`);
  }

  temp(): TempObject {
    return new FsTempObject(this);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const t = this.temp();
    try {
      await t.write(data);
      await t.commit(key);
    } catch (e) {
      await t.abort();
      throw e;
    }
  }

  async putContent(data: Uint8Array): Promise<string> {
    const t = this.temp();
    try {
      await t.write(data);
      return await t.commitContent();
    } catch (e) {
      await t.abort();
      throw e;
    }
  }

  /** fsync a complete temporary file (before an index transaction, so that transaction waits on no fsync). */
  syncFile(file: string): Promise<void> {
    return fsyncFile(file);
  }

  /**
   * Rename a synced temporary file into place as `key` and make the rename durable (the directory synced through a
   * kept descriptor). With `content` (a content key) an object already there is replaced by the same bytes: the
   * rename is atomic, so a reader opens the old file or the new, both whole, and no stat is spent asking first;
   * the object's modification time is then this upload's, which keeps the start-up sweep of unreferenced blobs (by
   * age) off a blob an upload is about to reference. `size` (the file's, when the caller knows it) saves a stat.
   */
  async placeFile(file: string, key: string, opts: { content?: boolean; size?: number } = {}): Promise<void> {
    const dest = this.pathOf(key);
    const dir = path.dirname(dest);
    if (!this.#dirs.has(dir)) await this.#mkdir(dir);
    const size = opts.content ? (opts.size ?? (await fs.promises.stat(file)).size) : -1;
    try {
      await fs.promises.rename(file, dest).catch(async (e: NodeJS.ErrnoException) => {
        // The directory may have gone since this process made it (removed by hand, another node's cleanup).
        if (e.code !== 'ENOENT' || !fs.existsSync(file)) throw e;
        await this.#mkdir(dir);
        await fs.promises.rename(file, dest);
      });
    } catch (e) {
      // NFS: a retransmitted rename that already happened answers ENOENT (the source is gone).
      const st = (e as NodeJS.ErrnoException).code === 'ENOENT' ? await this.stat(key) : null;
      if (!(opts.content && st && st.size === size)) throw e;
      await fs.promises.rm(file, { force: true });
      return;
    }
    await directories.sync(dir);
  }

  async #mkdir(dir: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
    directories.forget(dir); // made again after it was found gone: a kept descriptor is the old directory's
    this.#dirs.add(dir);
  }

  /**
   * Take a finished node-local file (say a recording ffmpeg wrote) into storage as `key`: moved (or copied when
   * the storage is another filesystem) to a temporary object, then committed. The local file is gone afterwards.
   */
  async importFile(localPath: string, key: string): Promise<void> {
    const temp = this.newTempPath();
    try {
      await fs.promises.rename(localPath, temp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await fs.promises.copyFile(localPath, temp);
      await fs.promises.rm(localPath, { force: true });
    }
    try {
      await this.syncFile(temp);
      await this.placeFile(temp, key);
    } catch (e) {
      await fs.promises.rm(temp, { force: true });
      throw e;
    }
  }

  get(key: string): Promise<Buffer> {
    return fs.promises.readFile(this.pathOf(key));
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const fh = await fs.promises.open(this.pathOf(key), 'r');
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

  stream(key: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.pathOf(key), range ?? {});
  }

  async stat(key: string): Promise<ObjectStat | null> {
    try {
      const st = await fs.promises.stat(this.pathOf(key));
      return st.isFile() ? { size: st.size, modifiedAt: st.mtime } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const dir = prefix ? this.pathOf(prefix) : this.root;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return entries.filter((e) => e.isFile()).map((e) => (prefix ? `${prefix}/${e.name}` : e.name));
  }

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
        // vanished meanwhile (another node swept it)
      }
    }
    return n;
  }
}

const openFd = promisify(fs.open);
const fsyncFd = promisify(fs.fsync);
const closeFd = promisify(fs.close);

/** The directories objects are renamed into, kept open for their syncs (kept-descriptors.ts), shared by all stores. */
const directories = new KeptDescriptors(512);

/** fsync a file by path. A plain descriptor, not a FileHandle (an object tracked by the garbage collector). */
async function fsyncFile(file: string): Promise<void> {
  const fd = await openFd(file, 'r+');
  try {
    await fsyncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

/**
 * A part up to this size is held in memory until it is whole, then created, written, synced and closed in one go
 * through a plain descriptor, and its bytes stay available (`held`) so the caller can read them without opening the
 * file again (ingest scans a small instance from memory). A larger part streams to its file as it arrives.
 */
export const HOLD_BYTES = 256 * 1024;

const writeFd = promisify(fs.write);
const { O_WRONLY, O_CREAT, O_EXCL, O_DSYNC } = fs.constants;

/**
 * Create `file` (it must not exist), write `bytes` durably and close it. Opened with O_DSYNC, each write returns
 * once its data and what reading it back needs (the size, the blocks) are on disk, as if fdatasync followed: one
 * trip to the thread pool fewer than write, fsync, close.
 */
async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const fd = await openFd(file, O_WRONLY | O_CREAT | O_EXCL | O_DSYNC);
  try {
    let off = 0;
    while (off < bytes.length) off += (await writeFd(fd, bytes, off, bytes.length - off)).bytesWritten;
  } finally {
    await closeFd(fd);
  }
}

/** A temporary file being written and hashed. */
export class FsTempObject implements TempObject {
  readonly path: string;
  #fh: fs.promises.FileHandle | null = null;
  #hash = crypto.createHash('sha256');
  #sealed: { sha256: string; durable: Promise<void> } | null = null;
  /** The chunks so far while the part is small enough to be held (HOLD_BYTES); null once it streams to its file. */
  #chunks: Uint8Array[] | null = [];
  #held: Uint8Array | null = null;
  size = 0;

  constructor(private readonly store: FsObjectStore) {
    this.path = store.newTempPath();
  }

  /** The whole content, once finished, when it was held in memory (HOLD_BYTES); else null. */
  get held(): Uint8Array | null {
    return this.#held;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#hash.update(chunk);
    this.size += chunk.length;
    if (this.#chunks) {
      if (this.size <= HOLD_BYTES) {
        this.#chunks.push(chunk);
        return;
      }
      const earlier = this.#chunks;
      this.#chunks = null;
      for (const c of earlier) await this.#write(c);
    }
    await this.#write(chunk);
  }

  async #write(chunk: Uint8Array): Promise<void> {
    if (!this.#fh) this.#fh = await fs.promises.open(this.path, 'wx');
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.#fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }

  /**
   * A held part is written, synced and closed at once; a streamed one is synced through the descriptor that wrote
   * it, then closed (no second open for the fsync). Both run while the caller goes on; `durable` tells when.
   */
  seal(): { sha256: string; durable: Promise<void> } {
    if (this.#sealed) return this.#sealed;
    let durable: Promise<void>;
    if (this.#chunks) {
      const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      this.#chunks = null;
      this.#held = bytes;
      durable = writeDurably(this.path, bytes);
    } else {
      // Streamed: past HOLD_BYTES, so #write opened the file.
      const fh = this.#fh!;
      this.#fh = null;
      durable = fh.sync().finally(() => fh.close());
    }
    // Awaited by whoever puts the object in place or drops it; a failure is theirs to report, never unhandled.
    durable.catch(() => undefined);
    this.#sealed = { sha256: this.#hash.digest('hex'), durable };
    return this.#sealed;
  }

  async finish(): Promise<string> {
    const { sha256, durable } = this.seal();
    await durable;
    return sha256;
  }

  async commit(key: string): Promise<void> {
    await this.finish();
    await this.store.placeFile(this.path, key);
  }

  async commitContent(): Promise<string> {
    const sha = await this.finish();
    await this.store.placeFile(this.path, contentKey(sha), { content: true, size: this.size });
    return sha;
  }

  async abort(): Promise<void> {
    // A sealed object's write may still be on its way: removed once it settled, else it would create the file after.
    if (this.#sealed) await this.#sealed.durable.catch(() => undefined);
    if (this.#fh) await this.#fh.close().catch(() => undefined);
    this.#fh = null;
    this.#chunks = null;
    this.#held = null;
    await fs.promises.rm(this.path, { force: true });
  }
}
