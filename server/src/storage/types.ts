/**
 * The one storage interface of the platform's files: DICOM blobs (imaging), consultation attachments, round
 * recordings and stored report PDFs. Each capability opens its own namespace (`openStorage(config).ns('imaging')`)
 * and uses it only through its own service; nothing else reads another capability's namespace.
 *
 * Keys are '/'-separated relative names ([A-Za-z0-9._-] segments). Every write goes to a temporary object first
 * and is committed (made durable, then atomically put in place), so a reader sees a whole object or none.
 * Content-addressed objects are named by their SHA-256 (`contentKey`): the same bytes written by two nodes at once
 * end as one intact object.
 */
import type { Readable } from 'node:stream';

export interface ObjectStat {
  size: number;
  modifiedAt: Date;
}

export interface TempObject {
  /** Node-local identity of the temporary object (a path for the filesystem driver). */
  readonly path: string;
  readonly size: number;
  /** Its whole content once finished, when it was small enough to be held in memory; else null (read the file). */
  readonly held: Uint8Array | null;
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Stop writing: its SHA-256 (hex) now, and `durable`, which settles once it is durable (fsync) and closed. The
   * caller can go on (say, take the index's locks) while the disk syncs; it must await `durable` before it puts
   * the object in place or drops it. Idempotent.
   */
  seal(): { sha256: string; durable: Promise<void> };
  /** Make the temporary object durable (fsync) and close it; returns its SHA-256 (hex). */
  finish(): Promise<string>;
  /** Make it durable and put it in place as `key` (replacing an older object of that key). */
  commit(key: string): Promise<void>;
  /** Make it durable and put it in place as the content key of its bytes, unless that exists; returns the SHA-256. */
  commitContent(): Promise<string>;
  /** Drop it. */
  abort(): Promise<void>;
}

export interface ObjectStore {
  /** Namespace name ('imaging', 'attachments', 'recordings', 'reports'). */
  readonly namespace: string;
  put(key: string, data: Uint8Array): Promise<void>;
  /** Content-addressed put: stored under `contentKey(sha256)`; returns the SHA-256 (hex). */
  putContent(data: Uint8Array): Promise<string>;
  temp(): TempObject;
  /** Take a finished node-local file into storage as `key` (the local file is consumed). */
  importFile(localPath: string, key: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** `length` bytes from `offset` (fewer when the object ends first). */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /** The object's bytes, or bytes start..end (inclusive) of it. */
  stream(key: string, range?: { start: number; end: number }): Readable;
  /** Size and time of the object, or null when there is none. */
  stat(key: string): Promise<ObjectStat | null>;
  delete(key: string): Promise<void>;
  /** Keys directly under `prefix` ('' for the top level); files only. */
  list(prefix: string): Promise<string[]>;
  /** Remove temporary objects untouched for `olderThanMs` (crash leftovers of any node); returns how many. */
  sweepTemp(olderThanMs?: number): number;
}

/** Where a content-addressed object lives: `blobs/ab/abcdef…` (the imaging layout since the first release). */
export const contentKey = (sha256: string): string => `blobs/${sha256.slice(0, 2)}/${sha256}`;

const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;

/** A key the drivers accept: relative, no '.', '..' or empty segment, and not inside the temporary area. */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (!key || parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..') || parts[0] === TEMP_DIR) {
    throw new TypeError(`invalid storage key "${key}"`);
  }
  return key;
}

/** The per-namespace area of temporary objects (never a key's first segment). */
export const TEMP_DIR = 'tmp';
