import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { can, CSRF_HEADER, SESSION_COOKIE, type Permission } from '@consult/shared';
import type { Config } from '../config';
import { DomainError } from '../errors';
import type { Actor } from './actor';
import { actorFromCookie } from './service';
import { actorFromBearer, InvalidToken } from '../oauth/service';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /**
     * preHandler: the request must come from a signed-in user (or, on the bearer paths, a service client's token)
     * holding `permission` (if given); state-changing methods with a session cookie must carry the session's CSRF
     * token in the `x-csrf-token` header (a bearer token is not sent by the browser on its own: no CSRF).
     */
    guard(permission?: Permission): preHandlerAsyncHookHandler;
  }
}

/** Methods that never change data (RFC 9110 safe methods): no CSRF token asked, no list fence moved (plugins/db.ts). */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The signed-in actor of a guarded route. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError('unauthenticated', 'sign in first');
  return req.actor;
}

export function checkCsrf(req: FastifyRequest, actor: Actor): void {
  if (SAFE_METHODS.has(req.method) || actor.granted) return;
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent !== actor.csrfToken) {
    throw new DomainError('csrf', `missing or wrong ${CSRF_HEADER} header`);
  }
}

const GUARD = Symbol('guard');
type Hook = preHandlerAsyncHookHandler & { [GUARD]?: true };
const PROTECTED = /^\/(api|dicomweb|wado|fhir)(\/|$)/;
/** Where a service client's bearer token is accepted (RFC 6750): DICOMweb, WADO-URI, FHIR. Elsewhere: ignored. */
export const BEARER_PATHS = /^\/(dicomweb|wado|fhir)(\/|$|\?)/;
const REALM = 'Bearer realm="consult"';
const quoted = (s: string) => s.replace(/["\\]/g, "'");

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session (login, health, published keys). Everything else under /api is denied by default. */
    public?: boolean;
    /** Open to a session that must still enrol a second factor (its own account, enrolment, sign-out). */
    mfaEnrolment?: boolean;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorateRequest('actor', null);
    // Authentication and permission run BEFORE body validation, so an anonymous or unauthorized caller learns
    // nothing from validation errors: guards found in a route's preHandler move to preValidation, and any
    // /api, /dicomweb or /wado route without a guard gets the plain signed-in guard (deny by default).
    app.addHook('onRoute', (route) => {
      const pre = [route.preHandler ?? []].flat() as Hook[];
      const guards = pre.filter((h) => h[GUARD]);
      if (
        guards.length === 0 &&
        PROTECTED.test(route.url) &&
        !route.config?.public &&
        !route.url.startsWith('/api/docs')
      ) {
        guards.push(makeGuard());
      }
      if (guards.length === 0) return;
      route.preHandler = pre.filter((h) => !h[GUARD]);
      route.preValidation = [...guards, ...([route.preValidation ?? []].flat() as Hook[])];
    });
    app.addHook('onRequest', async (req, reply) => {
      const bearerPath = BEARER_PATHS.test(req.url);
      const auth = req.headers.authorization;
      const bearer = bearerPath && auth ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(auth) : null;
      if (bearerPath && auth && /^Bearer\b/i.test(auth)) {
        try {
          if (!bearer) throw new InvalidToken('the Authorization header is not "Bearer <token>"');
          req.actor = await actorFromBearer(app.db, bearer[1]!, req.ip);
          return;
        } catch (err) {
          if (!(err instanceof InvalidToken)) throw err;
          // RFC 6750 §3.1: invalid_token with 401 and the reason.
          reply.header(
            'www-authenticate',
            `${REALM}, error="invalid_token", error_description="${quoted(err.message)}"`,
          );
          throw new DomainError('unauthenticated', err.message);
        }
      }
      const token = req.cookies[SESSION_COOKIE];
      if (!token) return;
      req.actor = await actorFromCookie(app.db, config, token, req.ip);
    });
    // RFC 6750 §3: a 401 on the bearer paths names the scheme (the realm) so a client knows to get a token.
    app.addHook('onSend', async (req, reply) => {
      if (reply.statusCode === 401 && BEARER_PATHS.test(req.url) && !reply.hasHeader('www-authenticate'))
        reply.header('www-authenticate', REALM);
    });
    function makeGuard(permission?: Permission): Hook {
      const hook: Hook = async (req: FastifyRequest, reply: FastifyReply) => {
        const actor = actorOf(req);
        checkCsrf(req, actor);
        if (actor.mfaEnrolmentPending && !req.routeOptions.config.mfaEnrolment) {
          throw new DomainError(
            'mfa_enrolment_required',
            'your role requires a second factor: enrol an authenticator app first',
          );
        }
        // A service client does only what a permission names (never a route any signed-in user may use).
        if (actor.granted && !permission) throw new DomainError('forbidden', 'not open to service clients');
        if (permission && !can(actor.role, permission, actor.granted)) {
          if (actor.granted) {
            reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${permission}"`);
            throw new DomainError('forbidden', `this token does not carry ${permission}`);
          }
          throw new DomainError('forbidden', `your role (${actor.role}) may not ${permission}`);
        }
      };
      hook[GUARD] = true;
      return hook;
    }
    app.decorate('guard', makeGuard);
  },
  { name: 'auth', dependencies: ['db', '@fastify/cookie'] },
);
