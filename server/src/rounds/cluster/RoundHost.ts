import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Ack } from '@consult/shared';
import type { Config } from '../../config';
import { DomainError } from '../../errors';
import type { Room } from '../../sfu/Room';
import type { Sfu } from '../../sfu/Sfu';
import { waitForRecordings } from '../recording-jobs';
import { RoundSession } from '../RoundSession';
import type { RoundLeases } from './leases';
import type { CallResult, RoundCall } from './messages';
import type { NodeBus } from './NodeBus';

function errorAck(err: unknown, log: FastifyBaseLogger): Ack<never> {
  if (err instanceof DomainError) return { ok: false, code: err.code, message: err.message };
  if (err instanceof TypeError) return { ok: false, code: 'validation', message: err.message };
  log.error({ err }, 'round signalling failed');
  return { ok: false, code: 'internal', message: 'internal error; it has been logged' };
}

/** How often the owner looks for sessions whose socket's node died (it can no longer say they disconnected). */
const SWEEP_MS = 2000;

/**
 * The owner's side of the rounds this node holds the lease of: the sessions of the sockets in them (wherever
 * those sockets are connected), each call checked against the lease token it was routed by. A lost lease closes
 * the room (its peers are told to rejoin, which routes them to the new owner); a closed room gives its lease up.
 */
export class RoundHost {
  readonly #app: FastifyInstance;
  readonly #config: Config;
  readonly #sfu: Sfu;
  readonly #leases: RoundLeases;
  readonly #bus: NodeBus | null;
  readonly #log: FastifyBaseLogger;
  readonly #sessions = new Map<string, RoundSession>();
  readonly #watched = new WeakSet<Room>();
  readonly #sweep: NodeJS.Timeout | null;

  constructor(o: {
    app: FastifyInstance;
    config: Config;
    sfu: Sfu;
    leases: RoundLeases;
    bus: NodeBus | null;
  }) {
    this.#app = o.app;
    this.#config = o.config;
    this.#sfu = o.sfu;
    this.#leases = o.leases;
    this.#bus = o.bus;
    this.#log = o.app.log.child({ class: 'RoundHost', nodeId: o.leases.nodeId });
    this.#leases.on('lost', (roundId) => this.#sfu.rooms.get(roundId)?.close('moved'));
    this.#sweep = o.bus ? setInterval(() => void this.#sweepDeadEntries(), SWEEP_MS) : null;
    this.#sweep?.unref();
  }

  get sessions(): ReadonlyMap<string, RoundSession> {
    return this.#sessions;
  }

  async call(c: RoundCall, entryNodeId: string): Promise<CallResult> {
    if (c.roundId !== null && c.token !== null && !this.#leases.holds(c.roundId, c.token))
      return {
        moved: true,
        ack: { ok: false, code: 'unavailable', message: 'the round moved; join it again' },
      };
    let session = this.#sessions.get(c.socketId);
    if (!session) {
      session = new RoundSession({
        app: this.#app,
        config: this.#config,
        sfu: this.#sfu,
        socketId: c.socketId,
        entryNodeId,
        actor: c.actor,
      });
      this.#sessions.set(c.socketId, session);
    }
    session.actor = c.actor;
    let ack: Ack<unknown>;
    try {
      ack = { ok: true, data: await session.handle(c.method, c.data as never) };
    } catch (e) {
      ack = errorAck(e, this.#log);
    }
    const roundId = session.roundId;
    if (roundId) this.#watch(roundId);
    else if (this.#sessions.get(c.socketId) === session) this.#sessions.delete(c.socketId);
    if (c.method === 'join' && c.roundId && !this.#sfu.rooms.has(c.roundId))
      await this.#leases.release(c.roundId);
    return { ack };
  }

  disconnect(socketId: string, reason: string): void {
    const s = this.#sessions.get(socketId);
    if (!s) return;
    this.#sessions.delete(socketId);
    s.disconnect(reason);
  }

  /** The round ended: close its room here (its peers are told) and let its recordings finish. */
  async end(roundId: string): Promise<void> {
    this.#sfu.rooms.get(roundId)?.close('ended');
    await waitForRecordings();
  }

  /** A room of a round this node holds: when it closes (empty, ended, moved) the lease is given up. */
  #watch(roundId: string): void {
    const room = this.#sfu.rooms.get(roundId);
    if (!room || this.#watched.has(room)) return;
    this.#watched.add(room);
    room.once('close', (reason) => {
      this.#log.info({ roundId, reason }, 'room closed');
      if (!this.#sfu.rooms.has(roundId)) void this.#leases.release(roundId);
    });
  }

  async #sweepDeadEntries(): Promise<void> {
    const byNode = new Map<string, RoundSession[]>();
    for (const s of this.#sessions.values()) {
      if (s.entryNodeId === this.#leases.nodeId) continue;
      byNode.set(s.entryNodeId, [...(byNode.get(s.entryNodeId) ?? []), s]);
    }
    for (const [nodeId, sessions] of byNode) {
      const alive = await this.#bus!.isAlive(nodeId).catch(() => true);
      if (alive) continue;
      this.#log.warn({ nodeId, sockets: sessions.length }, 'node of these sockets is gone');
      for (const s of sessions) this.disconnect(s.socketId, 'transport close');
    }
  }

  close(): void {
    if (this.#sweep) clearInterval(this.#sweep);
  }
}
