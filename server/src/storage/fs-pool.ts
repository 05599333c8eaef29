/**
 * Storage I/O threads (fs-worker.ts): a step of several file system calls costs the event loop one message each
 * way instead of one thread-pool hop per call, which under load is most of the time a small upload spends in its
 * storage (issue 14). Threads start when first needed (none while idle) up to MAX_THREADS, each step goes to the
 * least busy one, so fsyncs overlap as on libuv's pool; a thread that dies fails its steps (the caller answers
 * 500, nothing was indexed) and the next step starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { FsJob, FsReply } from './fs-worker';

/** As many as libuv's default pool: fsyncs of concurrent uploads overlap. */
const MAX_THREADS = 4;

type Pending = { resolve(placed: boolean): void; reject(e: Error): void };

class IoThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();

  constructor(onGone: (t: IoThread) => void) {
    // In the bundle the entry sits next to main.mjs; in the sources it registers tsx first, then loads the worker.
    this.worker = new Worker(new URL('./fs-worker-entry.mjs', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: FsReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) this.worker.unref();
      if (m.ok) p.resolve(m.placed);
      else p.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
    });
    const fail = (e: Error) => {
      onGone(this);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`storage I/O thread exited (${code})`)));
  }
}

const threads: IoThread[] = [];
let nextId = 1;

function run(job: Omit<FsJob, 'id'>, transfer: ArrayBuffer[] = []): Promise<boolean> {
  let t = threads.reduce<IoThread | null>((a, b) => (!a || b.pending.size < a.pending.size ? b : a), null);
  if (!t || (t.pending.size > 0 && threads.length < MAX_THREADS)) {
    t = new IoThread((gone) => {
      const i = threads.indexOf(gone);
      if (i >= 0) threads.splice(i, 1);
    });
    threads.push(t);
  }
  const id = nextId++;
  const thread = t;
  return new Promise<boolean>((resolve, reject) => {
    // A thread with steps in flight keeps the process alive (a CLI awaiting its last write); an idle one does not.
    if (!thread.pending.size) thread.worker.ref();
    thread.pending.set(id, { resolve, reject });
    thread.worker.postMessage({ ...job, id } as FsJob, transfer);
  });
}

/** Create `file` (it must not exist) with `data`, fsync and close it, in one step. `data` is handed over. */
export async function writeDurable(file: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  await run({ op: 'write', file, data }, whole ? [data.buffer] : []);
}

/** FsObjectStore.placeFile's step (fs-worker.ts place); resolves whether this call placed the file. */
export const placeDurable = (
  file: string,
  dest: string,
  ifAbsent: boolean,
  size?: number,
): Promise<boolean> => run({ op: 'place', file, dest, ifAbsent, size });

/** Stop the threads (tests; the threads are unref'd and never keep a process alive). */
export async function closeIoThreads(): Promise<void> {
  await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
}
