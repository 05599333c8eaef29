import type { AddressInfo } from 'node:net';
import fp from 'fastify-plugin';
import { findUnstorableText } from '../plugins/input-guard';
import { Server, type Socket } from 'socket.io';
import type { createClient } from 'redis';
import { SESSION_COOKIE, type ClientToServerEvents, type ServerToClientEvents } from '@consult/shared';
import type { Config } from '../config';
import type { Actor } from '../auth/actor';
import { actorFromCookie } from '../auth/service';
import { parseCookieHeader } from './cookies';
import {
  endSessions,
  revalidateOnEvent,
  sessionRoom,
  startSessionSweep,
  userRoomOf,
  type EndSessions,
} from './session-guard';

export interface SocketData {
  actor: Actor;
}
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** PUBLIC_URL's origin; when it was left to its default with PORT=0, the port actually listened on. */
function publicOrigin(publicUrl: string, address: string | AddressInfo | null): string {
  const u = new URL(publicUrl);
  if (u.port === '0' && address && typeof address === 'object') u.port = String(address.port);
  return u.origin;
}

export const userRoom = userRoomOf;

declare module 'fastify' {
  interface FastifyInstance {
    io: IoServer;
    /** Capabilities register their socket handlers here; each runs for every authenticated connection. */
    onSocket(handler: (socket: IoSocket) => void): void;
    /** Disconnect the sockets of a session or a user on every node (logout, disabling, password change). */
    endSessions(what: EndSessions): void;
  }
}

/**
 * socket.io on the same HTTP server, authenticated by the session cookie (connections without a valid session
 * are refused) and following that session afterwards (./session-guard.ts), rooms per user and per session, and the Redis adapter when REDIS_URL is set so events raised
 * on one node reach sockets on every node.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const io: IoServer = new Server(app.server, {
      path: '/socket.io',
      serveClient: false,
      cors: { origin: false },
      // Cross-site WebSocket hijacking: a page on another site could open a socket carrying the user's cookie.
      // Browsers send Origin on every WebSocket and cross-origin request; one other than PUBLIC_URL's is refused.
      // (No Origin: not a browser's cross-site request; such clients still need a valid session cookie.)
      allowRequest: (req, done) => {
        const origin = req.headers.origin;
        done(null, origin === undefined || origin === publicOrigin(config.publicUrl, app.server.address()));
      },
    });
    const handlers: ((s: IoSocket) => void)[] = [];
    let redis: { pub: ReturnType<typeof createClient>; sub: ReturnType<typeof createClient> } | null = null;

    if (config.redisUrl) {
      // Imported only with Redis configured: a single node never loads the client (tens of MB, ~1 s at start).
      const [{ createClient }, { createAdapter }] = await Promise.all([
        import('redis'),
        import('@socket.io/redis-adapter'),
      ]);
      const pub = createClient({ url: config.redisUrl });
      const sub = pub.duplicate();
      pub.on('error', (err) => app.log.error({ err }, 'redis pub error'));
      sub.on('error', (err) => app.log.error({ err }, 'redis sub error'));
      // The adapter publishes fire-and-forget: a publish that fails while Redis is away (the server restarting)
      // must be logged, not left as an unhandled rejection — that would end the process. node-redis reconnects
      // and resubscribes by itself; events raised during the outage reach only this node's sockets.
      const publish = pub.publish.bind(pub);
      (pub as { publish: typeof publish }).publish = ((...args: Parameters<typeof publish>) =>
        publish(...args).catch((err: unknown) => {
          app.log.warn(
            { err },
            'redis publish failed (Redis unavailable); the event reached local sockets only',
          );
          return 0;
        })) as typeof pub.publish;
      await Promise.all([pub.connect(), sub.connect()]);
      io.adapter(createAdapter(pub, sub, { key: `${config.redisKeyPrefix}:socket.io` }));
      redis = { pub, sub };
    }

    io.use(async (socket, next) => {
      try {
        const token = parseCookieHeader(socket.handshake.headers.cookie ?? '')[SESSION_COOKIE];
        const actor = token ? await actorFromCookie(app.db, config, token, socket.handshake.address) : null;
        if (!actor) return next(new Error('unauthenticated'));
        if (actor.mfaEnrolmentPending) return next(new Error('mfa_enrolment_required'));
        socket.data.actor = actor;
        next();
      } catch (err) {
        app.log.error({ err }, 'socket auth failed');
        next(new Error('unavailable'));
      }
    });

    const revalidate = revalidateOnEvent(app.db, config, app.log);
    io.on('connection', (socket) => {
      const { actor } = socket.data;
      void socket.join([userRoom(actor.id), sessionRoom(actor.sessionId)]);
      revalidate(socket);
      // The HTTP text rule (plugins/input-guard.ts) for every event: a payload holding NUL or a lone surrogate
      // never reaches a handler; its ack says which field.
      socket.use(([event, ...args], next) => {
        const data = args.filter((a) => typeof a !== 'function');
        const field = data.reduce<string | null>(
          (found, a, i) => found ?? findUnstorableText(a, data.length > 1 ? `/${i}` : ''),
          null,
        );
        if (field === null) return next();
        const ack = args.at(-1);
        if (typeof ack === 'function')
          (ack as (r: unknown) => void)({
            ok: false,
            code: 'validation',
            message: `${event}: ${field || '/'}: text must not contain NUL characters or unpaired UTF-16 surrogates`,
          });
      });
      for (const h of handlers) h(socket);
    });
    // Long-polling responses carry session data: never cached (engine.io sets it on data responses; this makes
    // it hold for the handshake too, and survives an upgrade that drops it).
    io.engine.on('headers', (headers: Record<string, string>) => {
      headers['cache-control'] = 'no-store';
    });
    const stopSweep = startSessionSweep(io, app.db, app.log);

    app.decorate('io', io);
    app.decorate('onSocket', (h: (s: IoSocket) => void) => {
      handlers.push(h);
    });
    app.decorate('endSessions', (what: EndSessions) => endSessions(io, what));
    app.addHook('preClose', async () => {
      stopSweep();
      // Only this node's clients: `io.disconnectSockets` goes through the adapter and would sign every node's
      // clients out when one node of a cluster stops.
      io.local.disconnectSockets(true);
      await io.close();
    });
    app.addHook('onClose', async () => {
      // QUIT may never settle after Redis restarted: bounded, then the sockets are dropped.
      const quit = (c: ReturnType<typeof createClient>) =>
        Promise.race([c.quit(), new Promise((r) => setTimeout(r, 5000).unref())]).finally(() => {
          if (c.isOpen) c.destroy();
        });
      if (redis) await Promise.allSettled([quit(redis.pub), quit(redis.sub)]);
    });
  },
  { name: 'realtime', dependencies: ['db'] },
);
