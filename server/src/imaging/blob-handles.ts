import fs from 'node:fs';

interface Entry {
  fd: Promise<number>;
  /** Reads using the descriptor now. */
  users: number;
  lastUsed: number;
  /** No longer kept: closed when its last read is done. */
  dropped: boolean;
}

/**
 * Open blob files kept for range reads (WADO-RS frames, headers): a viewer asks for many frames of the same
 * instances, and opening and closing the file for each frame cost two of a read's three trips to the thread pool.
 * Blobs are content-addressed and never rewritten, so a kept descriptor reads exactly the bytes its name promises,
 * even once the file is removed (its space is then freed when the descriptor closes). At most `max` are kept,
 * the least recently used closed first once no read uses it; each is closed after `idleMs` unused.
 */
export class BlobHandles {
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
  async read(path: string, offset: number, length: number): Promise<Buffer> {
    const e = this.#acquire(path);
    try {
      const fd = await e.fd;
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = await readAt(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    } catch (err) {
      this.#drop(path, e); // a failed open or read: never kept
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

  /** Close a dropped entry's descriptor unless a read still uses it (then that read's end closes it). */
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
