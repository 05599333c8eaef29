import fs from 'node:fs';

interface Entry {
  fd: Promise<number>;
  /** Reads or syncs using the descriptor now. */
  users: number;
  lastUsed: number;
  /** No longer kept: closed when its last use is done. */
  dropped: boolean;
}

/**
 * Descriptors kept open, by path, so that frequent work on the same files and directories skips opening and closing
 * them: each costs a trip to libuv's thread pool (two threads woken, two context switches) besides the work itself.
 *   - Range reads of blobs (WADO-RS frames, headers): a viewer asks for many frames of the same instances. Blobs are
 *     content-addressed, so a kept descriptor reads exactly the bytes its name promises, even once the file is
 *     removed or replaced by the same bytes (its space is then freed when the descriptor closes).
 *   - Directory syncs after a rename into place (storage/fs-store.ts): ingest syncs one of the 256 blob
 *     directories per instance. A directory is never removed while the server runs; one found gone and made again
 *     is `forget`-ten first, so a sync never goes to a directory that is no longer the path's.
 * At most `max` are kept, the least recently used closed first once nothing uses it; each is closed after `idleMs`
 * unused.
 */
export class KeptDescriptors {
  readonly #open = new Map<string, Entry>(); // path → entry, least recently used first
  #timer: NodeJS.Timeout | null = null;
  /** Descriptors being closed. */
  readonly #closing = new Set<Promise<void>>();

  constructor(
    private readonly max = 256,
    private readonly idleMs = 10_000,
  ) {}

  /** Descriptors kept open now (tests). */
  get size(): number {
    return this.#open.size;
  }

  /** Resolves once every descriptor dropped so far is closed. */
  async settled(): Promise<void> {
    while (this.#closing.size) await Promise.all(this.#closing);
  }

  /** `length` bytes of the file at `path` from `offset` (fewer when the file ends first). */
  read(path: string, offset: number, length: number): Promise<Buffer> {
    return this.#use(path, async (fd) => {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = await readAt(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    });
  }

  /** fsync the file or directory at `path` through its kept descriptor. */
  sync(path: string): Promise<void> {
    return this.#use(path, syncFd);
  }

  /** Keep no descriptor for `path` any more (the directory there was made again): the next use opens the path. */
  forget(path: string): void {
    const e = this.#open.get(path);
    if (e) this.#drop(path, e);
  }

  async #use<T>(path: string, work: (fd: number) => Promise<T>): Promise<T> {
    const e = this.#acquire(path);
    try {
      return await work(await e.fd);
    } catch (err) {
      this.#drop(path, e); // a failed open, read or sync: never kept
      throw err;
    } finally {
      e.users--;
      e.lastUsed = Date.now();
      if (e.dropped) this.#closeWhenUnused(e);
      else this.#trim();
    }
  }

  /** Close every idle descriptor (the rest close as their reads finish and the idle timer runs). */
  closeIdle(olderThanMs = 0): void {
    const now = Date.now();
    for (const [path, e] of this.#open)
      if (e.users === 0 && now - e.lastUsed >= olderThanMs) this.#drop(path, e);
    if (this.#open.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #acquire(path: string): Entry {
    let e = this.#open.get(path);
    if (e)
      this.#open.delete(path); // re-inserted below: most recently used last
    else e = { fd: openRead(path), users: 0, lastUsed: Date.now(), dropped: false };
    e.users++;
    this.#open.set(path, e);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.closeIdle(this.idleMs), this.idleMs);
      this.#timer.unref();
    }
    return e;
  }

  #trim(): void {
    if (this.#open.size <= this.max) return;
    for (const [path, e] of this.#open) {
      if (this.#open.size <= this.max) break;
      if (e.users === 0) this.#drop(path, e);
    }
  }

  #drop(path: string, e: Entry): void {
    if (this.#open.get(path) === e) this.#open.delete(path);
    e.dropped = true;
    this.#closeWhenUnused(e);
  }

  /** Close a dropped entry's descriptor unless a read or sync still uses it (then its end closes it). */
  #closeWhenUnused(e: Entry): void {
    if (e.users > 0) return;
    const closing = e.fd.then(
      (fd) => new Promise<void>((resolve) => fs.close(fd, () => resolve())),
      () => undefined,
    );
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
  }
}

const openRead = (path: string) =>
  new Promise<number>((resolve, reject) =>
    fs.open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))),
  );

const readAt = (fd: number, buf: Buffer, at: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) =>
    fs.read(fd, buf, at, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );

const syncFd = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
