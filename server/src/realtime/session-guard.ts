/**
 * Sockets follow sessions. A socket is only as good as the session it was opened with, checked against current
 * data three ways:
 *  - at once: logout, disabling, a password change or reset call `endSessions`, which disconnects the sockets of
 *    that session / user on every node (the rooms go through the Redis adapter);
 *  - before each event: the session is re-read (at most once a second per socket), so the handler sees the
 *    user's current role and hospital — or the socket is closed and the event dropped;
 *  - a sweep every second on each node: sockets whose session expired or was deleted, whose user was disabled
 *    or whose role or hospital changed (by any path, SQL included) are disconnected.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from '../auth/service';
import { actorFromSession, liveSessions } from '../auth/service';
import type { DB } from '../db/database';
import type { IoServer, IoSocket } from './plugin';

export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const userRoomOf = (userId: string) => `user:${userId}`;

/** How stale a socket's view of its session may be before an event re-reads it. */
const RECHECK_MS = 1000;

const lastCheck = new WeakMap<IoSocket, number>();

/** socket.use middleware: refresh the actor from the session, or close the socket and drop the event. */
export function revalidateOnEvent(db: DB, cfg: AuthConfig, log: FastifyBaseLogger) {
  return (socket: IoSocket) => {
    lastCheck.set(socket, Date.now());
    socket.use((_event, next) => {
      const now = Date.now();
      if (now - (lastCheck.get(socket) ?? 0) < RECHECK_MS) return next();
      const before = socket.data.actor;
      actorFromSession(db, cfg, before.sessionId, before.ip)
        .then((a) => {
          if (!a || a.role !== before.role || a.hospitalId !== before.hospitalId) {
            socket.disconnect(true);
            return next(new Error('unauthenticated'));
          }
          lastCheck.set(socket, now);
          socket.data.actor = a;
          next();
        })
        .catch((err: unknown) => {
          log.error({ err }, 'socket session re-check failed');
          next(new Error('unavailable'));
        });
    });
  };
}

/** The per-node sweep; returns a stop function. */
export function startSessionSweep(io: IoServer, db: DB, log: FastifyBaseLogger, everyMs = 1000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const sockets = [...io.of('/').sockets.values()];
      if (!sockets.length) return;
      const live = await liveSessions(db, [...new Set(sockets.map((s) => s.data.actor.sessionId))]);
      for (const s of sockets) {
        const a = s.data.actor;
        const now = live.get(a.sessionId);
        if (!now || now.role !== a.role || now.hospitalId !== a.hospitalId) s.disconnect(true);
      }
    } catch (err) {
      log.warn({ err }, 'socket session sweep failed; retrying');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** What to end: one session's sockets, or all of a user's (optionally but one session, kept by a password change). */
export type EndSessions = { sessionId: string } | { userId: string; exceptSessionId?: string };

export function endSessions(io: IoServer, what: EndSessions): void {
  if ('sessionId' in what) {
    io.in(sessionRoom(what.sessionId)).disconnectSockets(true);
    return;
  }
  const target = io.in(userRoomOf(what.userId));
  (what.exceptSessionId ? target.except(sessionRoom(what.exceptSessionId)) : target).disconnectSockets(true);
}
