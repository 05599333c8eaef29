import fp from 'fastify-plugin';

/**
 * CORS for the integration surfaces only — DICOMweb, WADO-URI, FHIR and the token endpoint — and only for the
 * origins in CORS_ORIGINS (exact match), so a viewer deployed elsewhere (OHIF, Weasis web) can read with a bearer
 * token. Never with credentials: cookies stay same-site, a foreign page authenticates with its token only. A
 * preflight from a listed origin is answered 204 with what may be sent; from any other origin 403 without CORS
 * headers (the browser then refuses the request). The API under /api and socket.io stay same-origin.
 */
export const CORS_PATHS = /^\/(dicomweb|wado|fhir|oauth)(\/|$|\?)/;
const METHODS = 'GET, HEAD, POST, OPTIONS';
const REQUEST_HEADERS = 'Authorization, Content-Type, Accept, Accept-Encoding, X-Request-ID';
const EXPOSED =
  'Content-Type, Content-Length, Content-Location, Content-Encoding, Location, Warning, WWW-Authenticate, X-Request-ID, ETag, Last-Modified';

export default fp<{ origins: readonly string[] }>(
  async (app, { origins }) => {
    const allowed = new Set(origins);
    app.addHook('onRequest', async (req, reply) => {
      if (!CORS_PATHS.test(req.url)) return;
      const origin = req.headers.origin;
      const ok = typeof origin === 'string' && allowed.has(origin);
      reply.header('vary', 'Origin');
      const preflight =
        req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (preflight) {
        if (!ok) {
          return reply
            .code(403)
            .type('application/json; charset=utf-8')
            .send({ statusCode: 403, code: 'forbidden', error: 'Forbidden', message: 'origin not allowed' });
        }
        return reply
          .code(204)
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', METHODS)
          .header('access-control-allow-headers', REQUEST_HEADERS)
          .header('access-control-max-age', '600')
          .send();
      }
      if (ok) {
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-expose-headers', EXPOSED);
      }
    });
  },
  { name: 'cors' },
);
