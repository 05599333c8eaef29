import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { FastifyBaseLogger } from 'fastify';
import type { SfuConfig } from './config';
import { DomainError } from '../errors';

export interface PoolWorker {
  /** Stable slot in the pool; a replacement worker takes the dead one's slot. */
  slot: number;
  worker: types.Worker;
  /** Peers placed on this worker (the load used to place new routers and peers). */
  peers: number;
}

export type WorkerPoolEvents = {
  /** A worker died; `replacement` already runs in its slot (null if it could not be started). */
  workerdied: [slot: number, pid: number, replacement: PoolWorker | null];
};

/**
 * mediasoup workers, one per core by default (SFU_WORKERS). Started lazily by the first round that needs media, so
 * a server without a worker binary still serves everything else. A worker that dies is replaced in its slot and
 * `workerdied` is emitted so rooms on it can tell their clients to rejoin.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #config: SfuConfig;
  readonly #log: FastifyBaseLogger;
  #workers: PoolWorker[] = [];
  #starting: Promise<void> | null = null;
  #closed = false;
  #ms: typeof import('mediasoup') | null = null;

  constructor(config: SfuConfig, log: FastifyBaseLogger) {
    super();
    this.#config = config;
    this.#log = log;
  }

  get workers(): readonly PoolWorker[] {
    return this.#workers;
  }

  /** Start the workers once; throws 'unavailable' with the fix when no worker binary exists. */
  async ready(): Promise<void> {
    if (this.#closed) throw new DomainError('unavailable', 'the media server is shutting down');
    if (this.#workers.length) return;
    this.#starting ??= this.#start().catch((err: unknown) => {
      this.#starting = null;
      throw err;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const bin = this.#config.workerBin;
    if (!bin) {
      throw new DomainError(
        'unavailable',
        'video is not available: no mediasoup worker binary (run infra/mediasoup-worker.sh or set MEDIASOUP_WORKER_BIN)',
      );
    }
    // mediasoup reads MEDIASOUP_WORKER_BIN when its module loads: set it before the first import.
    process.env.MEDIASOUP_WORKER_BIN = bin;
    this.#ms = await import('mediasoup');
    const started = await Promise.all(
      Array.from({ length: this.#config.workers }, (_, slot) => this.#spawn(slot)),
    );
    if (this.#closed) {
      for (const w of started) w.worker.close();
      return;
    }
    this.#workers = started;
    this.#log.info({ workers: started.map((w) => w.worker.pid) }, 'mediasoup workers started');
  }

  async #spawn(slot: number): Promise<PoolWorker> {
    const worker = await this.#ms!.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.#config.rtcMinPort,
      rtcMaxPort: this.#config.rtcMaxPort,
    });
    const pw: PoolWorker = { slot, worker, peers: 0 };
    worker.on('died', (err) => void this.#onDied(pw, err));
    return pw;
  }

  async #onDied(dead: PoolWorker, err: Error): Promise<void> {
    this.#log.error({ err, pid: dead.worker.pid, slot: dead.slot }, 'mediasoup worker died; replacing it');
    if (this.#closed) return;
    let replacement: PoolWorker | null = null;
    try {
      replacement = await this.#spawn(dead.slot);
      if (this.#closed) {
        replacement.worker.close();
        return;
      }
      this.#workers[dead.slot] = replacement;
    } catch (e) {
      this.#log.error({ err: e }, 'could not start a replacement mediasoup worker');
      this.#workers = this.#workers.filter((w) => w !== dead);
    }
    this.emit('workerdied', dead.slot, dead.worker.pid, replacement);
  }

  /** The live worker with the fewest peers, optionally excluding some (to spread a room). */
  leastLoaded(exclude: ReadonlySet<types.Worker> = new Set()): PoolWorker {
    const live = this.#workers.filter((w) => !w.worker.closed);
    if (!live.length) throw new DomainError('unavailable', 'no media worker is running');
    const candidates = live.filter((w) => !exclude.has(w.worker));
    const pool = candidates.length ? candidates : live;
    return pool.reduce((a, b) => (b.peers < a.peers ? b : a));
  }

  entryOf(worker: types.Worker): PoolWorker | undefined {
    return this.#workers.find((w) => w.worker === worker);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w.worker.close();
    this.#workers = [];
  }
}
