/**
 * DICOM JSON answers (QIDO-RS, WADO-RS metadata): compressed when the client accepts it (Accept-Encoding gzip or
 * deflate, RFC 9110 §12.5.3; metadata of a CT series shrinks about tenfold), and QIDO's Warning headers
 * (PS3.18 §8.3.4: unsupported query keys, more results than the page).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { QidoResult } from './qido';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
/** Bodies smaller than this are sent as they are (compression would not pay for its headers). */
const MIN_COMPRESS = 512;

/** The content coding to use: gzip or deflate when accepted with q > 0 (gzip first), else identity. */
export function codingFor(acceptEncoding: string | undefined): 'gzip' | 'deflate' | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (!name) continue;
    const qp = params.find((p) => p.startsWith('q='));
    q.set(name, qp ? Number(qp.slice(2)) || 0 : 1);
  }
  const ok = (name: string) => (q.get(name) ?? (q.has('*') ? q.get('*')! : 0)) > 0;
  if (ok('gzip')) return 'gzip';
  if (ok('deflate')) return 'deflate';
  return null;
}

export async function sendDicomJson(req: FastifyRequest, reply: FastifyReply, body: unknown) {
  const text = Buffer.from(JSON.stringify(body));
  reply.type('application/dicom+json').header('vary', 'accept-encoding');
  const coding = text.length >= MIN_COMPRESS ? codingFor(req.headers['accept-encoding']) : null;
  if (!coding) return reply.send(text);
  const packed = coding === 'gzip' ? await gzip(text) : await deflate(text);
  return reply.header('content-encoding', coding).send(packed);
}

/** A Warning header value (RFC 7234 §5.5: code, agent, quoted text). */
const warning = (req: FastifyRequest, textOf: string) =>
  `299 ${req.headers.host ?? 'localhost'} "${textOf.replace(/["\\]/g, '')}"`;

/** A QIDO answer: results, and Warning headers for ignored keys and for results beyond the page. */
export function sendQido(req: FastifyRequest, reply: FastifyReply, r: QidoResult) {
  const warnings: string[] = [];
  if (r.ignored.length)
    warnings.push(
      warning(
        req,
        `The following query keys are not supported (unsupported query key) and were ignored: ${r.ignored.join(', ')}`,
      ),
    );
  if (r.remaining === null) warnings.push(warning(req, 'There are additional results that can be requested'));
  else if (r.remaining > 0)
    warnings.push(warning(req, `There are ${r.remaining} additional results that can be requested`));
  if (warnings.length) reply.header('warning', warnings);
  return sendDicomJson(req, reply, r.results);
}
