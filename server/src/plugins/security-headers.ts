import fp from 'fastify-plugin';

/**
 * Security and caching headers on every response, set in one place:
 * - a Content-Security-Policy with no inline script: scripts only from this origin's files. 'unsafe-eval' is
 *   allowed because the viewer's WebAssembly image codecs (cornerstone's Emscripten/embind builds, run in a blob:
 *   worker) build their bindings with `new Function` — tests/e2e/csp.test.ts shows the decode failing without it;
 *   it permits no inline <script>, no inline event handler and no script from elsewhere. Framing refused
 *   (frame-ancestors 'none', and X-Frame-Options for old browsers), nosniff, and no Referer leaving the site;
 * - Cache-Control: no-store on everything that may carry patient data — every /api, /dicomweb, /wado and /fhir
 *   answer, errors included — so neither the browser nor a proxy keeps a copy; immutable long caching only for
 *   the client's content-hashed build assets (/assets/…); no-cache (revalidate) for the rest (index.html).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  // Inline STYLE only (React style props, the API docs page); never inline script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  // The codecs' workers fetch their embedded WebAssembly from data: URLs (no network involved).
  "connect-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Patient data, and live operational state (health, metrics): never stored by a browser or a proxy. */
const NO_STORE = /^\/(api|dicomweb|wado|fhir|oauth|health|metrics)(\/|$)/;
const HASHED_ASSET = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

export function cacheControlFor(path: string, status: number): string {
  if (NO_STORE.test(path)) return 'no-store';
  if (status === 200 && HASHED_ASSET.test(path)) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

export default fp(
  async (app) => {
    app.addHook('onSend', async (req, reply, payload) => {
      const path = req.url.split('?')[0] ?? '';
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-frame-options', 'DENY');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', cacheControlFor(path, reply.statusCode));
      return payload;
    });
  },
  { name: 'security-headers' },
);
