import fs from 'node:fs';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { ErrorBody } from '@consult/shared';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config';
import type { DB } from './db/database';
import dbPlugin from './plugins/db';
import inputGuard from './plugins/input-guard';
import securityHeaders from './plugins/security-headers';
import corsPlugin from './plugins/cors';
import { loadCheckpointKey, useCheckpointKey } from './audit/checkpoint';
import { useSecretsKey } from './secrets/seal';
import { sealStoredTotpSecrets } from './auth/mfa/service';
import authPlugin from './auth/plugin';
import realtimePlugin from './realtime/plugin';
import healthPlugin from './health/plugin';
import metricsPlugin from './metrics/plugin';
import requestIdPlugin, { requestId } from './metrics/request-id';
import { registerCapabilities } from './capabilities';
import { DomainError, errorBody, isDatabaseUnavailable, isRefusedValue } from './errors';
import { lazySchemaCompilers } from './plugins/lazy-schemas';

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: { method: string; url: string }[];
  }
}

export interface AppOptions {
  config: Config;
  db: DB;
  /** Pino logger options; tests pass false. */
  logger?: boolean | object;
}

/** Name the offending field of an ajv validation error: `/body/name`, `/query/limit`, ... */
function validationField(err: FastifyError): string | undefined {
  const v = err.validation?.[0];
  if (!v) return undefined;
  const ctx = err.validationContext ?? 'body';
  const missing = (v.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  const leaf = missing.missingProperty ?? missing.additionalProperty;
  return `/${ctx}${v.instancePath}${leaf ? `/${leaf}` : ''}`;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  useSecretsKey(config.secretsKey);
  useCheckpointKey(await loadCheckpointKey(db, config));
  await sealStoredTotpSecrets(db);
  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    // X-Forwarded-For only from the configured proxies: anyone else's is ignored, so the rate limits, lockouts
    // and the audit log see the real peer address.
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    genReqId: requestId,
    bodyLimit: 2 * 1024 * 1024,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    schemaController: { compilersFactory: lazySchemaCompilers() },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Every route any capability registers, for the anonymous-access sweep in authz.test.ts and for ops.
  const routes: { method: string; url: string }[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.push({ method: m, url: r.url });
  });

  // Once the server has begun to close (it listened and no longer does), every answer says `Connection: close`:
  // a request still running then would leave its kept-alive connection open, and a closing server waits for every
  // connection to end (socket.io's close, run by the realtime plugin, waits so until the client's idle timeout).
  let listened = false;
  app.server.once('listening', () => (listened = true));
  app.addHook('onSend', async (_req, reply) => {
    if (listened && !app.server.listening) reply.header('connection', 'close');
  });

  // Error bodies are sent pre-serialized: they are always an ErrorBody, whatever a route declares for that status
  // (a route whose 400 schema is something else must still answer 400, never a serialization 500).
  const sendError = (reply: FastifyReply, body: ErrorBody) =>
    reply.code(body.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof DomainError) return sendError(reply, errorBody(err.code, err.message, err.field));
    if (err.validation) {
      const field = validationField(err);
      return sendError(
        reply,
        errorBody('validation', `${field ?? 'request'}: ${err.validation[0]?.message ?? 'invalid'}`, field),
      );
    }
    if (isRefusedValue(err)) {
      // A value the schemas let through but the database refused (a safety net: it should never happen).
      req.log.warn({ err }, 'database refused a value');
      return sendError(reply, errorBody('validation', `a value was refused: ${err.message}`));
    }
    if (req.raw.destroyed && !req.raw.complete) {
      // The client went away before its request was read (an upload cut off: its socket reset). Not a fault of
      // ours, and nothing reached the database (an ingest stores nothing until the body is whole); no one reads
      // the answer.
      req.log.info({ reason: err.message }, 'client closed the connection before its request was read');
      return sendError(reply, errorBody('validation', 'the request body was cut off'));
    }
    if (isDatabaseUnavailable(err)) {
      req.log.error({ err }, 'database unavailable');
      return sendError(reply, errorBody('unavailable', 'the database is unavailable; try again shortly'));
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return sendError(reply, errorBody('rate_limited', 'too many requests; slow down'));
    if (status === 413) return sendError(reply, errorBody('payload_too_large', err.message));
    if (status === 415) return sendError(reply, errorBody('unsupported_media_type', err.message));
    if (status >= 400 && status < 500) {
      return sendError(reply, {
        statusCode: status,
        code: 'validation',
        error: 'Bad Request',
        message: err.message,
      });
    }
    req.log.error({ err }, 'unhandled error');
    return sendError(reply, errorBody('internal', 'internal error; it has been logged'));
  });

  if (!config.auditCheckpointKey && !config.secretsKey)
    app.log.warn(
      'neither AUDIT_CHECKPOINT_KEY nor SECRETS_KEY is set: the audit checkpoint key is stored in the database in the ' +
        'clear, so someone with database write access could forge the signed head; set one of them in production',
    );
  await app.register(requestIdPlugin);
  await app.register(securityHeaders);
  // Before swagger and the capabilities: its onRoute hook bounds every route's integers and guards its text.
  await app.register(inputGuard);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Remote consultation platform API', version: '0.1.0' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'consult_sid' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(dbPlugin, {
    db,
    listPageCache: config.listPageCache,
    sessionCache: config.sessionCache,
  });
  // CORS before authentication: a preflight carries no credentials and is answered here.
  await app.register(corsPlugin, { origins: config.corsOrigins });
  await app.register(authPlugin, { config });
  await app.register(realtimePlugin, { config });
  await app.register(healthPlugin, { config });
  await app.register(metricsPlugin, { config });

  app.get('/api/health', { config: { public: true }, schema: { tags: ['ops'] } }, async () => {
    await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    return { ok: true };
  });

  await registerCapabilities(app, config);

  const hasClient = fs.existsSync(`${config.clientDist}/index.html`);
  if (hasClient) {
    await app.register(fastifyStatic, { root: config.clientDist, wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '';
    const apiLike = /^\/(api|dicomweb|wado|fhir|oauth|socket\.io)(\/|$)/.test(url);
    if (hasClient && req.method === 'GET' && !apiLike && !/\.[a-z0-9]+$/i.test(url)) {
      // Client-side routes: the single-page app handles them.
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.code(404).send(errorBody('not_found', `no route ${req.method} ${url}`));
  });

  return app;
}
