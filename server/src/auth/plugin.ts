import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { can, CSRF_HEADER, SESSION_COOKIE, type Permission } from '@consult/shared';
import type { Config } from '../config';
import { DomainError } from '../errors';
import type { Actor } from './actor';
import { actorFromCookie } from './service';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /**
     * preHandler: the request must come from a signed-in user holding `permission` (if given); state-changing
     * methods must carry the session's CSRF token in the `x-csrf-token` header.
     */
    guard(permission?: Permission): preHandlerAsyncHookHandler;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The signed-in actor of a guarded route. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError('unauthenticated', 'sign in first');
  return req.actor;
}

export function checkCsrf(req: FastifyRequest, actor: Actor): void {
  if (SAFE_METHODS.has(req.method)) return;
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent !== actor.csrfToken) {
    throw new DomainError('csrf', `missing or wrong ${CSRF_HEADER} header`);
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorateRequest('actor', null);
    app.addHook('onRequest', async (req) => {
      const token = req.cookies[SESSION_COOKIE];
      if (!token) return;
      req.actor = await actorFromCookie(app.db, config, token, req.ip);
    });
    app.decorate('guard', (permission?: Permission) => {
      return async (req: FastifyRequest, _reply: FastifyReply) => {
        const actor = actorOf(req);
        checkCsrf(req, actor);
        if (permission && !can(actor.role, permission)) {
          throw new DomainError('forbidden', `your role (${actor.role}) may not ${permission}`);
        }
      };
    });
  },
  { name: 'auth', dependencies: ['db', '@fastify/cookie'] },
);
