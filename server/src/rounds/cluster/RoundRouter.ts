import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { RoundRequestSchemas, ROUND_METHODS, type Ack, type RoundMethod } from '@consult/shared';
import type { IoSocket } from '../../realtime/plugin';
import type { LeaseHolder, RoundLeases } from './leases';
import type { BusMessage, CallResult, RoundCall } from './messages';
import { NodeTimeoutError, NodeUnreachableError, type NodeBus } from './NodeBus';
import type { RoundHost } from './RoundHost';

/** Where a socket's round is served: the owner node and the lease token it was joined under. */
interface Route {
  roundId: string;
  nodeId: string;
  token: number;
}

/** How long a forwarded request may take before the owner counts as gone (mediasoup calls are quick). */
const CALL_TIMEOUT_MS = 5000;
const unavailable = (message: string): Ack<never> => ({ ok: false, code: 'unavailable', message });

/**
 * The entry side of round signalling, on the node a socket is connected to. A join takes the round's lease when
 * the round is free (this node becomes its owner) or routes to the owner; every later request of that socket goes
 * to the same owner with the lease token, over the node bus. When the owner is gone (not subscribed, or silent)
 * the join waits for its lease to expire and takes the round over; sockets routed to a round whose lease changed
 * hands are told to rejoin, which takes them to the new owner.
 */
export class RoundRouter {
  readonly #host: RoundHost;
  readonly #leases: RoundLeases;
  readonly #bus: NodeBus | null;
  readonly #log: FastifyBaseLogger;
  readonly #routes = new Map<string, Route>();
  readonly #sockets = new Map<string, IoSocket>();
  /** Each socket's join in flight: its later requests wait for it (see #request). */
  readonly #joining = new Map<string, Promise<unknown>>();
  readonly #watch: NodeJS.Timeout | null;

  constructor(o: { app: FastifyInstance; host: RoundHost; leases: RoundLeases; bus: NodeBus | null }) {
    this.#host = o.host;
    this.#leases = o.leases;
    this.#bus = o.bus;
    this.#log = o.app.log.child({ class: 'RoundRouter', nodeId: o.leases.nodeId });
    o.app.onSocket((socket) => this.#attach(socket));
    this.#watch = o.bus
      ? setInterval(() => void this.#checkRoutes(), Math.max(100, o.leases.ttlMs / 5))
      : null;
    this.#watch?.unref();
    o.bus?.handle(async (body, from) => this.#onBus(body as BusMessage, from));
  }

  get #self(): string {
    return this.#leases.nodeId;
  }

  #attach(socket: IoSocket): void {
    this.#sockets.set(socket.id, socket);
    for (const method of ROUND_METHODS) {
      const schema = RoundRequestSchemas[method];
      socket.on(
        `round:${method}` as never,
        (async (data: unknown, ack: unknown) => {
          if (typeof ack !== 'function') return;
          const reply = ack as (a: Ack<unknown>) => void;
          if (!Value.Check(schema, data)) {
            const first = Value.Errors(schema, data).First();
            return reply({
              ok: false,
              code: 'validation',
              message: `${method}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`,
            });
          }
          reply(await this.#request(socket, method, data).catch((err: unknown) => this.#failed(err)));
        }) as never,
      );
    }
    socket.on('disconnect', (reason) => {
      this.#sockets.delete(socket.id);
      this.#joining.delete(socket.id);
      const route = this.#routes.get(socket.id);
      this.#routes.delete(socket.id);
      this.#tell(route?.nodeId ?? this.#self, { kind: 'disconnect', socketId: socket.id, reason });
    });
  }

  #failed(err: unknown): Ack<never> {
    if (err instanceof NodeUnreachableError || err instanceof NodeTimeoutError)
      return unavailable('the round’s node is gone; join it again');
    this.#log.warn({ err }, 'round request failed (Redis unavailable?)');
    return unavailable('rounds are unavailable (shared state unreachable); try again');
  }

  async #request(socket: IoSocket, method: RoundMethod, data: unknown): Promise<Ack<unknown>> {
    if (method === 'join') {
      const join = this.#join(socket, (data as { roundId: string }).roundId, data);
      this.#joining.set(socket.id, join);
      const done = () => void (this.#joining.get(socket.id) === join && this.#joining.delete(socket.id));
      join.then(done, done);
      return join;
    }
    // A request sent behind a join without waiting for its answer (a client that knows the router's
    // capabilities sends `ready` right after `join`) is for the peer that join makes: it waits for the join's
    // route, which may be another node.
    await this.#joining.get(socket.id)?.catch(() => undefined);
    let route = this.#routes.get(socket.id) ?? null;
    let candidate = false;
    const resumeRound = method === 'restartIce' ? (data as { roundId?: string }).roundId : undefined;
    if (!route && resumeRound) {
      // A new socket resuming its peer: the peer lives wherever the round is.
      const h = await this.#leases.holder(resumeRound);
      if (h) route = { roundId: resumeRound, nodeId: h.nodeId, token: h.token };
      candidate = true;
    }
    const call: RoundCall = {
      kind: 'call',
      socketId: socket.id,
      actor: socket.data.actor,
      method,
      data,
      roundId: route?.roundId ?? null,
      token: route?.token ?? null,
    };
    let res: CallResult;
    try {
      res = await this.#send(route?.nodeId ?? this.#self, call);
    } catch (err) {
      if (route && !candidate) this.#moved(socket.id);
      throw err;
    }
    if (res.moved && !candidate) this.#moved(socket.id);
    if (route && candidate && res.ack.ok) this.#routes.set(socket.id, route);
    if (method === 'leave') this.#routes.delete(socket.id);
    return res.ack;
  }

  async #join(socket: IoSocket, roundId: string, data: unknown): Promise<Ack<unknown>> {
    const prev = this.#routes.get(socket.id);
    this.#routes.delete(socket.id);
    const deadline = Date.now() + 2 * this.#leases.ttlMs + CALL_TIMEOUT_MS;
    for (;;) {
      const holder = await this.#leases.acquire(roundId);
      if (prev && prev.nodeId !== holder.nodeId)
        this.#tell(prev.nodeId, {
          kind: 'disconnect',
          socketId: socket.id,
          reason: 'client namespace disconnect',
        });
      const call: RoundCall = {
        kind: 'call',
        socketId: socket.id,
        actor: socket.data.actor,
        method: 'join',
        data,
        roundId,
        token: holder.token,
      };
      let res: CallResult | null = null;
      try {
        res = await this.#send(holder.nodeId, call);
      } catch (err) {
        if (!(err instanceof NodeUnreachableError || err instanceof NodeTimeoutError)) throw err;
        this.#log.info(
          { roundId, owner: holder.nodeId, err: err.message },
          'round owner gone; waiting for its lease',
        );
      }
      if (res && !res.moved) {
        if (res.ack.ok) this.#routes.set(socket.id, { roundId, nodeId: holder.nodeId, token: holder.token });
        return res.ack;
      }
      if (Date.now() > deadline)
        return unavailable('the round’s node is gone and its lease has not expired yet');
      await this.#leaseChange(roundId, holder, deadline);
    }
  }

  /** Wait (bounded) until the round's lease is no longer `was`: expired, released or taken by another node. */
  async #leaseChange(roundId: string, was: LeaseHolder, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const now = await this.#leases.holder(roundId);
      if (!now || now.nodeId !== was.nodeId || now.token !== was.token) return;
      // Our own stale grant (its local deadline passed): only Redis expiry frees it.
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #send(nodeId: string, call: RoundCall): Promise<CallResult> {
    if (nodeId === this.#self || !this.#bus) return this.#host.call(call, this.#self);
    return this.#bus.request(nodeId, call, CALL_TIMEOUT_MS) as Promise<CallResult>;
  }

  /** Fire-and-forget message to a node (this one included). */
  #tell(nodeId: string, msg: BusMessage): void {
    if (nodeId === this.#self || !this.#bus) return void this.#onBus(msg, this.#self);
    void this.#bus.request(nodeId, msg, CALL_TIMEOUT_MS).catch(() => undefined);
  }

  async #onBus(msg: BusMessage, from: string): Promise<unknown> {
    switch (msg.kind) {
      case 'call':
        return this.#host.call(msg, from);
      case 'disconnect':
        return this.#host.disconnect(msg.socketId, msg.reason);
      case 'end':
        return this.#host.end(msg.roundId);
    }
  }

  /** The round ended: its owner closes the room, wherever it is. */
  async endRound(roundId: string): Promise<void> {
    const h = await this.#leases.holder(roundId).catch(() => null);
    const msg: BusMessage = { kind: 'end', roundId };
    if (!h || h.nodeId === this.#self || !this.#bus) return void (await this.#onBus(msg, this.#self));
    // Its recordings finish on the owner: wait for them (bounded) as the single-node path does.
    await this.#bus.request(h.nodeId, msg, 30_000).catch((err: unknown) => {
      this.#log.warn({ err, roundId }, 'round end not confirmed by its node; its lease ends the room');
    });
  }

  /** The socket's round is no longer where it was routed: forget the route and have the browser join again. */
  #moved(socketId: string): void {
    if (!this.#routes.delete(socketId)) return;
    this.#sockets.get(socketId)?.emit('round:notify', { name: 'rejoin', data: { reason: 'moved' } });
  }

  /** Routes to other nodes whose lease changed hands (the owner died or stopped): those browsers rejoin. */
  async #checkRoutes(): Promise<void> {
    const remote = [...this.#routes.values()].filter((r) => r.nodeId !== this.#self);
    const gone = (r: Route) => {
      for (const [socketId, x] of this.#routes)
        if (x.roundId === r.roundId && x.nodeId === r.nodeId) this.#moved(socketId);
    };
    try {
      // A dead owner is known at once (its bus subscription closed with its process); its browsers rejoin now,
      // and their joins wait here for the lease to expire.
      for (const nodeId of new Set(remote.map((r) => r.nodeId)))
        if (!(await this.#bus!.isAlive(nodeId))) for (const r of remote) if (r.nodeId === nodeId) gone(r);
      for (const roundId of new Set(remote.map((r) => r.roundId))) {
        const h = await this.#leases.holder(roundId);
        for (const r of remote)
          if (r.roundId === roundId && (h?.nodeId !== r.nodeId || h.token !== r.token)) gone(r);
      }
    } catch {
      // Redis away: nothing can be decided now
    }
  }

  close(): void {
    if (this.#watch) clearInterval(this.#watch);
  }
}
