/**
 * POST /oauth/token — OAuth 2.0 client credentials grant (RFC 6749 §4.4). Client authentication by HTTP Basic
 * (client_secret_basic, §2.3.1) or in the form body (client_secret_post); the body is
 * application/x-www-form-urlencoded; every error is an RFC 6749 §5.2 JSON body; the answer is never cached.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { isDatabaseUnavailable } from '../errors';
import { issueToken, OAuthError } from './service';

const FORM = 'application/x-www-form-urlencoded';
const BASIC_REALM = 'Basic realm="consult"';

/** Parse a form body; a parameter sent twice is refused (RFC 6749 §3.2). */
function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in out) throw new OAuthError('invalid_request', `the parameter ${k} is repeated`);
    out[k] = v;
  }
  return out;
}

/** client_id and client_secret from `Authorization: Basic` (each form-urlencoded, then base64), or null. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const m = header ? /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header) : null;
  if (!header || !/^Basic\b/i.test(header)) return null;
  if (!m) throw new OAuthError('invalid_client', 'the Basic credentials are malformed');
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'the Basic credentials are malformed');
  const unform = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw new OAuthError('invalid_client', 'the Basic credentials are malformed');
    }
  };
  return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
}

const STATUS: Record<OAuthError['error'], number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
};

function sendOAuthError(req: FastifyRequest, reply: FastifyReply, err: OAuthError, status?: number) {
  const code = status ?? STATUS[err.error];
  if (code === 401) reply.header('www-authenticate', BASIC_REALM);
  return reply
    .code(code)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json; charset=utf-8')
    .send({ error: err.error, error_description: err.description });
}

export async function tokenRoutes(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  // Any body arrives as text; the handler insists on the form media type (so a JSON body gets an RFC 6749 error,
  // not a framework 415).
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof OAuthError) return sendOAuthError(req, reply, err);
    if (err.statusCode === 429)
      return sendOAuthError(
        req,
        reply,
        new OAuthError('invalid_request', 'too many requests; slow down'),
        429,
      );
    if (isDatabaseUnavailable(err)) {
      req.log.error({ err }, 'database unavailable');
      return reply
        .code(503)
        .send({ error: 'temporarily_unavailable', error_description: 'try again shortly' });
    }
    if (err.statusCode && err.statusCode < 500)
      return sendOAuthError(req, reply, new OAuthError('invalid_request', err.message), err.statusCode);
    req.log.error({ err }, 'token endpoint failed');
    return reply
      .code(500)
      .send({ error: 'server_error', error_description: 'internal error; it has been logged' });
  });

  app.post(
    '/oauth/token',
    {
      config: { public: true, rateLimit: { max: config.oauthTokenRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['oauth'],
        summary: 'OAuth 2.0 token endpoint (client_credentials; client_secret_basic or client_secret_post)',
      },
    },
    async (req, reply) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== FORM)
        throw new OAuthError('invalid_request', `the body must be ${FORM}, got ${type || 'none'}`);
      const form = parseForm(typeof req.body === 'string' ? req.body : '');
      const basic = basicCredentials(req.headers.authorization);
      if (basic && (form.client_secret !== undefined || (form.client_id && form.client_id !== basic.id)))
        throw new OAuthError('invalid_request', 'use one client authentication method, not both');
      if (!form.grant_type) throw new OAuthError('invalid_request', 'grant_type is missing');
      if (form.grant_type !== 'client_credentials')
        throw new OAuthError(
          'unsupported_grant_type',
          `grant_type ${form.grant_type} is not supported; use client_credentials`,
        );
      const clientId = basic?.id ?? form.client_id;
      const clientSecret = basic?.secret ?? form.client_secret;
      if (!clientId || clientSecret === undefined)
        throw new OAuthError(
          'invalid_client',
          'client authentication is missing (Basic or client_id + client_secret)',
        );
      const token = await issueToken(
        app.db,
        { clientId, clientSecret, scope: form.scope },
        config.oauthTokenTtlSeconds,
        req.ip,
      );
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
    },
  );
}
