import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { createClient } from 'redis';

type RedisClient = ReturnType<typeof createClient>;

/** The target node is not subscribed (it stopped or died): nobody received the request. */
export class NodeUnreachableError extends Error {
  override name = 'NodeUnreachableError';
}
/** The target node received the request but did not answer in time. */
export class NodeTimeoutError extends Error {
  override name = 'NodeTimeoutError';
}

interface Envelope {
  id?: string;
  from?: string;
  body?: unknown;
  replyTo?: string;
  result?: unknown;
  error?: string;
}

export type BusHandler = (body: unknown, from: string) => Promise<unknown>;

/**
 * Requests between the nodes of a cluster over Redis pub/sub: each node subscribes to its own channel and
 * answers on the asker's. A PUBLISH that reached no subscriber means the node is gone — known at once, with no
 * timeout to wait for (a killed process's connection is closed by its kernel).
 */
export class NodeBus {
  readonly nodeId: string;
  readonly #pub: RedisClient;
  readonly #sub: RedisClient;
  readonly #prefix: string;
  readonly #log: FastifyBaseLogger;
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #handler: BusHandler = async () => {
    throw new Error('no handler');
  };

  private constructor(
    pub: RedisClient,
    sub: RedisClient,
    prefix: string,
    nodeId: string,
    log: FastifyBaseLogger,
  ) {
    this.#pub = pub;
    this.#sub = sub;
    this.#prefix = prefix;
    this.nodeId = nodeId;
    this.#log = log.child({ class: 'NodeBus', nodeId });
  }

  static async connect(
    url: string,
    prefix: string,
    nodeId: string,
    log: FastifyBaseLogger,
  ): Promise<NodeBus> {
    // Loaded when a deployment has Redis: a single node never pays for the client at start.
    const { createClient } = await import('redis');
    const pub = createClient({ url });
    const sub = pub.duplicate();
    pub.on('error', (err) => log.warn({ err }, 'node bus redis error'));
    sub.on('error', (err) => log.warn({ err }, 'node bus redis error'));
    await Promise.all([pub.connect(), sub.connect()]);
    const bus = new NodeBus(pub, sub, prefix, nodeId, log);
    await sub.subscribe(bus.#channel(nodeId), (raw) => bus.#receive(raw));
    return bus;
  }

  #channel(nodeId: string): string {
    return `${this.#prefix}${nodeId}`;
  }

  /** What this node answers to requests from the others. */
  handle(handler: BusHandler): void {
    this.#handler = handler;
  }

  async request(nodeId: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const id = crypto.randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    let timer: NodeJS.Timeout | undefined;
    try {
      const env: Envelope = { id, from: this.nodeId, body };
      const receivers = await this.#pub.publish(this.#channel(nodeId), JSON.stringify(env));
      if (receivers === 0) throw new NodeUnreachableError(`node ${nodeId} is not connected`);
      return await Promise.race([
        answer,
        new Promise<never>((_r, reject) => {
          timer = setTimeout(
            () => reject(new NodeTimeoutError(`node ${nodeId} did not answer in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /** Whether a node is connected (subscribed to its channel). */
  async isAlive(nodeId: string): Promise<boolean> {
    const reply = (await this.#pub.sendCommand(['PUBSUB', 'NUMSUB', this.#channel(nodeId)])) as unknown[];
    return Number(reply[1] ?? 0) > 0;
  }

  #receive(raw: string): void {
    let env: Envelope;
    try {
      env = JSON.parse(raw) as Envelope;
    } catch {
      return this.#log.warn('unreadable bus message dropped');
    }
    if (env.replyTo) {
      const p = this.#pending.get(env.replyTo);
      if (!p) return;
      if (env.error !== undefined) p.reject(new Error(env.error));
      else p.resolve(env.result);
      return;
    }
    if (!env.id || !env.from) return;
    const { id, from } = env;
    void this.#handler(env.body, from)
      .then(
        (result): Envelope => ({ replyTo: id, result }),
        (err: unknown): Envelope => ({ replyTo: id, error: String((err as Error)?.message ?? err) }),
      )
      .then((reply) => this.#pub.publish(this.#channel(from), JSON.stringify(reply)))
      .catch((err: unknown) => this.#log.warn({ err, to: from }, 'bus reply not sent'));
  }

  async close(): Promise<void> {
    for (const p of this.#pending.values()) p.reject(new NodeUnreachableError('node bus closed'));
    this.#pending.clear();
    const quit = (c: RedisClient) =>
      Promise.race([c.quit(), new Promise((r) => setTimeout(r, 2000).unref())]).finally(
        () => c.isOpen && c.destroy(),
      );
    await Promise.allSettled([quit(this.#sub), quit(this.#pub)]);
  }
}
