import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What an incoming id may look like: a proxy's or a caller's token, short, nothing that could forge a log line. */
const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's genReqId: the caller's (or the reverse proxy's) X-Request-ID when it is a plain token, else a new UUID.
 * Every log line of the request carries it as `reqId`.
 */
export function requestId(req: IncomingMessage): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && VALID.test(sent) ? sent : crypto.randomUUID();
}

/** Echo the request id in the response, so a user's or a proxy's report can be matched to the server's logs. */
export default fp(
  async (app) => {
    app.addHook('onRequest', async (req, reply) => {
      reply.header(REQUEST_ID_HEADER, req.id);
    });
  },
  { name: 'request-id' },
);
