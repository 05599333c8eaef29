/**
 * The storage I/O thread (fs-pool.ts): runs one storage step — a short sequence of file system calls — per message,
 * synchronously, so the step costs the main thread one message each way instead of a thread-pool hop per call
 * (open, write, fsync, close; stat, rename, open, fsync, close), and a slow or hung file system (a shared NFS
 * mount) stalls this thread, never the event loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

export type FsJob =
  /** Create `file` (it must not exist), write `data`, fsync and close it. */
  | { id: number; op: 'write'; file: string; data: Uint8Array }
  /** FsObjectStore.placeFile: rename a synced file into place and fsync the directory (see there). */
  | { id: number; op: 'place'; file: string; dest: string; ifAbsent: boolean; size?: number | undefined };

export type FsReply =
  | { id: number; ok: true; placed: boolean }
  | { id: number; ok: false; message: string; code?: string | undefined };

/** Directories this thread made or found (one mkdir per directory). */
const dirs = new Set<string>();

function write(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    for (let off = 0; off < data.length;) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function mkdir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  dirs.add(dir);
}

function place(file: string, dest: string, ifAbsent: boolean, knownSize?: number): boolean {
  if (ifAbsent && fs.existsSync(dest)) {
    fs.rmSync(file, { force: true });
    return false;
  }
  const dir = path.dirname(dest);
  if (!dirs.has(dir)) mkdir(dir);
  const size = ifAbsent ? (knownSize ?? fs.statSync(file).size) : -1;
  try {
    try {
      fs.renameSync(file, dest);
    } catch (e) {
      // The directory may have gone since this thread made it (removed by hand, another node's cleanup).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(file)) throw e;
      mkdir(dir);
      fs.renameSync(file, dest);
    }
  } catch (e) {
    // NFS: a retransmitted rename that already happened answers ENOENT (the source is gone).
    const st =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? fs.statSync(dest, { throwIfNoEntry: false }) : null;
    if (!(ifAbsent && st && st.size === size)) throw e;
    fs.rmSync(file, { force: true });
    return false;
  }
  fsyncDir(dir);
  return true;
}

parentPort?.on('message', (job: FsJob) => {
  let reply: FsReply;
  try {
    if (job.op === 'write') {
      write(job.file, job.data);
      reply = { id: job.id, ok: true, placed: false };
    } else reply = { id: job.id, ok: true, placed: place(job.file, job.dest, job.ifAbsent, job.size) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = { id: job.id, ok: false, message: err.message, code: err.code };
  }
  parentPort!.postMessage(reply);
});
