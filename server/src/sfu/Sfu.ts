import type { FastifyBaseLogger } from 'fastify';
import type { SfuConfig } from './config';
import { Room } from './Room';
import { WorkerPool } from './WorkerPool';

export interface SfuOptions {
  /** Peers per router before a room spreads over another worker (tests use 1 to force pipeToRouter). */
  peersPerRouter?: number;
}

/** The worker pool and the open rooms (one per live round), by round id. */
export class Sfu {
  readonly pool: WorkerPool;
  readonly config: SfuConfig;
  readonly #opts: SfuOptions;
  readonly #rooms = new Map<string, Room>();

  constructor(config: SfuConfig, log: FastifyBaseLogger, opts: SfuOptions = {}) {
    this.config = config;
    this.pool = new WorkerPool(config, log);
    this.#opts = opts;
  }

  get rooms(): ReadonlyMap<string, Room> {
    return this.#rooms;
  }

  /** The round's room, opened on first use. Throws 'unavailable' when no media worker can run. */
  async room(roundId: string, hostId: string): Promise<Room> {
    await this.pool.ready();
    const existing = this.#rooms.get(roundId);
    if (existing && !existing.closed) return existing;
    const room = new Room({
      roundId,
      hostId,
      pool: this.pool,
      listen: { listenIp: this.config.listenIp, announcedAddress: this.config.announcedAddress },
      peersPerRouter: this.#opts.peersPerRouter ?? this.config.peersPerRouter,
    });
    this.#rooms.set(roundId, room);
    room.once('close', () => {
      if (this.#rooms.get(roundId) === room) this.#rooms.delete(roundId);
    });
    return room;
  }

  close(): void {
    for (const r of [...this.#rooms.values()]) r.close('shutdown');
    this.pool.close();
  }
}
