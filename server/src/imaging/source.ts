import fs from 'node:fs';

/**
 * Random access to the bytes of one instance (issue 12: ingest and reads take ranges, never the whole file).
 * Reads are synchronous: the scanner runs them off the request path (a worker thread) or on a buffer already in
 * memory; each read is a few KiB to a few MiB, bounded by the scanner's limits.
 */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Uint8Array;
}

/**
 * What file sources read in this process: `largest` is the biggest single read, `bytes` the total. Tests use it
 * to prove that ingest reads a bounded head and the pixel data's structure, never the whole file.
 */
export const sourceStats = { reads: 0, bytes: 0, largest: 0 };

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** A file opened for range reads; close() when done (withFile does). */
export class FileSource implements ByteSource {
  readonly size: number;
  readonly #fd: number;

  constructor(file: string) {
    this.#fd = fs.openSync(file, 'r');
    this.size = fs.fstatSync(this.#fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.#fd, buf, got, n - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    sourceStats.reads++;
    sourceStats.bytes += got;
    sourceStats.largest = Math.max(sourceStats.largest, got);
    return buf.subarray(0, got);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

export function withFile<T>(file: string, fn: (src: ByteSource) => T): T {
  const src = new FileSource(file);
  try {
    return fn(src);
  } finally {
    src.close();
  }
}
