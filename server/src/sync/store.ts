import type { createClient } from 'redis';
import { initialSyncState, type SyncState } from '@consult/shared';

/**
 * Where a round's authoritative sync state lives. One interface, two implementations:
 * - `MemorySyncStore`: one process (no REDIS_URL);
 * - `RedisSyncStore`: shared by every node; a Lua compare-and-set on the round's seq makes each change atomic
 *   across nodes (a node whose cached copy is stale re-reads and runs the step again).
 * Within a node, steps on one round run one after another in call order, so one presenter's updates are
 * sequenced in the order they arrived.
 */
export interface SyncStore {
  /** The current state (fresh from the shared store, not a cache). */
  get(roundId: string): Promise<SyncState>;
  /**
   * Run `step` on the current state atomically. `step` is pure and may run more than once (on a concurrent
   * change elsewhere); a `next` of null (refusal, replay) writes nothing. Returns the last run's result.
   */
  transact<R>(roundId: string, step: (s: SyncState) => StepResult<R>): Promise<R>;
  /** Forget a round (it ended). */
  clear(roundId: string): Promise<void>;
  close(): Promise<void>;
}

export interface StepResult<R> {
  next: SyncState | null;
  result: R;
}

/** Serialises async work per key: each call starts after the previous one for the same key settled. */
class KeyedQueue {
  #tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const p = prev.then(fn, fn);
    const tail = p.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return p;
  }
}

export class MemorySyncStore implements SyncStore {
  #rounds = new Map<string, SyncState>();

  async get(roundId: string): Promise<SyncState> {
    return this.#rounds.get(roundId) ?? initialSyncState(roundId);
  }

  async transact<R>(roundId: string, step: (s: SyncState) => StepResult<R>): Promise<R> {
    // Synchronous read-modify-write: atomic within the one process.
    const { next, result } = step(this.#rounds.get(roundId) ?? initialSyncState(roundId));
    if (next) this.#rounds.set(roundId, next);
    return result;
  }

  async clear(roundId: string): Promise<void> {
    this.#rounds.delete(roundId);
  }

  async close(): Promise<void> {
    this.#rounds.clear();
  }
}

/** KEYS: seq, state. ARGV: expected seq, new seq, new state JSON, ttl seconds. 1 = written, 0 = seq moved on. */
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if (cur or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
return 1`;

type RedisClient = ReturnType<typeof createClient>;

export interface RedisSyncStoreOptions {
  /** Key prefix; default 'sync:'. Tests use their own. */
  prefix?: string;
  /** Seconds a round's state is kept after its last change. Default 24 h. */
  ttlSeconds?: number;
  /** Give up after this many lost races in a row (answers 'unavailable'). Default 50. */
  maxAttempts?: number;
  /** Per Redis call. Default 5000 ms. */
  timeoutMs?: number;
}

export class ConcurrencyError extends Error {
  override name = 'ConcurrencyError';
}

/** A Redis call that did not answer in time (the round's queue moves on instead of stalling behind it). */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new StoreTimeoutError(`${what} took over ${ms} ms`)), ms);
    }),
  ]);
}

export class RedisSyncStore implements SyncStore {
  #client: RedisClient;
  #prefix: string;
  #ttl: string;
  #maxAttempts: number;
  #timeoutMs: number;
  #sha: string | null = null;
  /** Last state this node read or wrote per round: most steps need no read (one round trip per change). */
  #cache = new Map<string, SyncState>();
  #queue = new KeyedQueue();
  /** Lost compare-and-set races (another node changed the round first); for tests and metrics. */
  retries = 0;

  private constructor(client: RedisClient, opts: RedisSyncStoreOptions) {
    this.#client = client;
    this.#prefix = opts.prefix ?? 'sync:';
    this.#ttl = String(opts.ttlSeconds ?? 24 * 3600);
    this.#maxAttempts = opts.maxAttempts ?? 50;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  static async connect(
    url: string,
    opts: RedisSyncStoreOptions = {},
    onError?: (err: unknown) => void,
  ): Promise<RedisSyncStore> {
    // Imported only when a Redis store is used (see realtime/plugin.ts).
    const { createClient } = await import('redis');
    const client = createClient({ url });
    client.on('error', (err) => onError?.(err));
    await client.connect();
    return new RedisSyncStore(client, opts);
  }

  #keys(roundId: string) {
    return { seq: `${this.#prefix}${roundId}:seq`, state: `${this.#prefix}${roundId}:state` };
  }

  async #read(roundId: string): Promise<SyncState> {
    const raw = await withTimeout(this.#client.get(this.#keys(roundId).state), this.#timeoutMs, 'redis GET');
    const state = raw ? (JSON.parse(raw) as SyncState) : initialSyncState(roundId);
    this.#cache.set(roundId, state);
    return state;
  }

  async #cas(roundId: string, expected: number, next: SyncState): Promise<boolean> {
    const k = this.#keys(roundId);
    const args = [String(expected), String(next.seq), JSON.stringify(next), this.#ttl];
    const t = this.#timeoutMs;
    if (!this.#sha)
      this.#sha = (await withTimeout(this.#client.scriptLoad(CAS_SCRIPT), t, 'redis SCRIPT LOAD')) as string;
    let res: unknown;
    try {
      res = await withTimeout(
        this.#client.sendCommand(['EVALSHA', this.#sha, '2', k.seq, k.state, ...args]),
        t,
        'redis EVALSHA',
      );
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      res = await withTimeout(
        this.#client.sendCommand(['EVAL', CAS_SCRIPT, '2', k.seq, k.state, ...args]),
        t,
        'redis EVAL',
      );
    }
    return Number(res) === 1;
  }

  get(roundId: string): Promise<SyncState> {
    return this.#read(roundId);
  }

  transact<R>(roundId: string, step: (s: SyncState) => StepResult<R>): Promise<R> {
    return this.#queue.run(roundId, () =>
      this.#transact(roundId, step).catch((err: unknown) => {
        // After a timeout the write may still land: forget the cached copy, the next step re-reads.
        this.#cache.delete(roundId);
        throw err;
      }),
    );
  }

  async #transact<R>(roundId: string, step: (s: SyncState) => StepResult<R>): Promise<R> {
    const cached = this.#cache.get(roundId);
    let fresh = !cached;
    let state = cached ?? (await this.#read(roundId));
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const { next, result } = step(state);
      if (!next) {
        // A refusal or replay decided on a cached copy may be stale: decide again on the shared state.
        if (fresh) return result;
        state = await this.#read(roundId);
        fresh = true;
        continue;
      }
      if (await this.#cas(roundId, state.seq, next)) {
        this.#cache.set(roundId, next);
        return result;
      }
      this.retries++;
      state = await this.#read(roundId);
      fresh = true;
    }
    throw new ConcurrencyError(`round ${roundId}: too many concurrent changes`);
  }

  async clear(roundId: string): Promise<void> {
    const k = this.#keys(roundId);
    this.#cache.delete(roundId);
    await this.#client.del([k.seq, k.state]);
  }

  async close(): Promise<void> {
    this.#cache.clear();
    // QUIT waits for Redis to answer; after Redis restarted it may never settle: bounded, then the socket dropped.
    await withTimeout(this.#client.quit(), this.#timeoutMs, 'redis QUIT').catch(() => {
      if (this.#client.isOpen) this.#client.destroy();
    });
  }
}
