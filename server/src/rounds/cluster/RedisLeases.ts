import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { createClient } from 'redis';
import type { LeaseEvents, LeaseHolder, RoundLeases } from './leases';

type RedisClient = ReturnType<typeof createClient>;

/**
 * KEYS: lease, fence counter. ARGV: node id, ttl ms. Grants the lease when it is free, with the next fencing
 * token. Returns the holder's value "<nodeId> <token>" (this node's new one, or the current holder's).
 */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then return cur end
local token = redis.call('INCR', KEYS[2])
local v = ARGV[1] .. ' ' .. token
redis.call('SET', KEYS[1], v, 'PX', ARGV[2])
return v`;
/** KEYS: lease. ARGV: expected value, ttl ms. 1 = extended, 0 = not ours any more. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** KEYS: lease. ARGV: expected value. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Held {
  token: number;
  /** performance.now() after which this node stops acting for the round, whatever Redis says. */
  deadline: number;
  renewing?: boolean;
}

export interface RedisLeasesOptions {
  url: string;
  /** Key prefix, e.g. '<REDIS_KEY_PREFIX>:round-lease:'. */
  prefix: string;
  nodeId: string;
  ttlMs: number;
  log: FastifyBaseLogger;
}

function parse(v: string | null): LeaseHolder | null {
  if (!v) return null;
  const [nodeId, token] = v.split(' ');
  return { nodeId: nodeId!, token: Number(token) };
}

/**
 * Round leases in Redis: `SET NX PX` (in a script that also draws the fencing token from a per-round counter),
 * renewed every ttl/5 while held. Safety does not rest on the renewal reaching Redis: each grant or renewal
 * moves a local deadline to (time the request was sent + ttl − drift), and `holds` is false after it — so a node
 * that stalled (GC, SIGSTOP, a partition) stops acting before Redis can hand the round to another node, and
 * the new holder's token is larger than any the old one was granted.
 */
export class RedisLeases extends EventEmitter<LeaseEvents> implements RoundLeases {
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #log: FastifyBaseLogger;
  readonly #held = new Map<string, Held>();
  readonly #timer: NodeJS.Timeout;

  private constructor(client: RedisClient, opts: RedisLeasesOptions) {
    super();
    this.#client = client;
    this.nodeId = opts.nodeId;
    this.ttlMs = opts.ttlMs;
    this.#prefix = opts.prefix;
    this.#log = opts.log.child({ class: 'RedisLeases', nodeId: opts.nodeId });
    this.#timer = setInterval(() => this.#renewAll(), Math.max(50, Math.floor(opts.ttlMs / 5)));
    this.#timer.unref();
  }

  static async connect(opts: RedisLeasesOptions): Promise<RedisLeases> {
    // Loaded when a deployment has Redis: a single node never pays for the client at start.
    const { createClient } = await import('redis');
    const client = createClient({ url: opts.url });
    client.on('error', (err) => opts.log.warn({ err }, 'round lease redis error'));
    await client.connect();
    return new RedisLeases(client, opts);
  }

  #key(roundId: string) {
    return { lease: `${this.#prefix}${roundId}`, fence: `${this.#prefix}${roundId}:fence` };
  }
  get #drift(): number {
    return Math.ceil(this.ttlMs * 0.01) + 2;
  }
  #value(token: number): string {
    return `${this.nodeId} ${token}`;
  }

  async holder(roundId: string): Promise<LeaseHolder | null> {
    return parse(await this.#client.get(this.#key(roundId).lease));
  }

  async acquire(roundId: string): Promise<LeaseHolder> {
    const k = this.#key(roundId);
    const sent = performance.now();
    const v = (await this.#client.sendCommand([
      'EVAL',
      ACQUIRE,
      '2',
      k.lease,
      k.fence,
      this.nodeId,
      String(this.ttlMs),
    ])) as string;
    const h = parse(v)!;
    if (h.nodeId === this.nodeId && this.#held.get(roundId)?.token !== h.token) {
      this.#held.set(roundId, { token: h.token, deadline: sent + this.ttlMs - this.#drift });
      this.#log.info({ roundId, token: h.token }, 'round lease acquired');
    }
    return h;
  }

  holds(roundId: string, token: number): boolean {
    const h = this.#held.get(roundId);
    return !!h && h.token === token && performance.now() < h.deadline;
  }

  heldToken(roundId: string): number | null {
    const h = this.#held.get(roundId);
    return h && performance.now() < h.deadline ? h.token : null;
  }

  async release(roundId: string): Promise<void> {
    const h = this.#held.get(roundId);
    if (!h) return;
    this.#held.delete(roundId);
    await this.#client
      .sendCommand(['EVAL', RELEASE, '1', this.#key(roundId).lease, this.#value(h.token)])
      .catch((err: unknown) => this.#log.warn({ err, roundId }, 'round lease release failed; it expires'));
  }

  #lose(roundId: string, h: Held, why: string): void {
    if (this.#held.get(roundId) !== h) return;
    this.#held.delete(roundId);
    this.#log.warn({ roundId, token: h.token, why }, 'round lease lost');
    this.emit('lost', roundId, h.token);
  }

  /**
   * Every tick: a lease past its local deadline is lost at once (even while a renewal hangs on an unreachable
   * Redis); the others are renewed, one renewal in flight per round.
   */
  #renewAll(): void {
    for (const [roundId, h] of this.#held) {
      const sent = performance.now();
      if (sent >= h.deadline) {
        this.#lose(roundId, h, 'deadline passed without a renewal');
        continue;
      }
      if (h.renewing) continue;
      h.renewing = true;
      void this.#client
        .sendCommand(['EVAL', RENEW, '1', this.#key(roundId).lease, this.#value(h.token), String(this.ttlMs)])
        .then(
          (ok) => {
            if (Number(ok) === 1) h.deadline = Math.max(h.deadline, sent + this.ttlMs - this.#drift);
            else this.#lose(roundId, h, 'held by another node');
          },
          (err: unknown) => this.#log.warn({ err, roundId }, 'round lease renewal failed'),
        )
        .finally(() => (h.renewing = false));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#held.keys()].map((r) => this.release(r)));
    await Promise.race([this.#client.quit(), new Promise((r) => setTimeout(r, 2000).unref())]).finally(
      () => this.#client.isOpen && this.#client.destroy(),
    );
  }
}
