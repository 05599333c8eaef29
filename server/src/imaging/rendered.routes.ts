/**
 * WADO-RS rendered resources (PS3.18 §9.5.1.2, §8.3.5.1): a frame as a consumer-format picture, windowed on the
 * server — for thumbnails, reports and any client without a DICOM decoder. `window=center,width[,LINEAR]` picks the
 * VOI window (default: the instance's own). PNG always; JPEG Baseline frames pass through as JPEG when the client
 * accepts it. The instance-level resource renders the first frame.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../auth/plugin';
import { badRequest, DomainError } from '../errors';
import { RenderError, renderFrame, type RenderOptions } from './render';
import type { BlobStore } from './storage';
import { auditView, resolveInstances } from './wado';
import { headerOf, readFrame, trusted } from './frames';

type Params = { study: string; series: string; instance: string; frame?: string };

/** `window=center,width[,function]`; only the LINEAR function (the one the viewer uses). */
export function parseWindow(raw: unknown): RenderOptions {
  if (raw === undefined || raw === '') return {};
  const parts = String(raw).split(',');
  const [c, w, fn = 'LINEAR'] = parts;
  const center = Number(c);
  const width = Number(w);
  if (parts.length < 2 || parts.length > 3 || !Number.isFinite(center) || !Number.isFinite(width))
    throw badRequest('window must be "center,width" or "center,width,LINEAR"', '/querystring/window');
  if (width < 1) throw badRequest('window width must be at least 1', '/querystring/window');
  if (fn.toUpperCase() !== 'LINEAR')
    throw badRequest(`window function ${fn} is not supported (LINEAR is)`, '/querystring/window');
  return { windowCenter: center, windowWidth: width };
}

/** Which of PNG / JPEG the Accept header allows (absent = anything). */
function acceptable(req: FastifyRequest): { png: boolean; jpeg: boolean } {
  const accept = req.headers.accept;
  if (!accept) return { png: true, jpeg: true };
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const any = types.includes('*/*') || types.includes('image/*');
  return { png: any || types.includes('image/png'), jpeg: any || types.includes('image/jpeg') };
}

export async function renderedRoutes(
  app: FastifyInstance,
  store: BlobStore,
  read: ReturnType<FastifyInstance['guard']>,
  uid: Record<string, unknown>,
): Promise<void> {
  const params = (withFrame: boolean) => ({
    type: 'object',
    properties: {
      study: uid,
      series: uid,
      instance: uid,
      ...(withFrame && { frame: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' } }),
    },
  });
  const querystring = {
    type: 'object',
    properties: { window: { type: 'string', maxLength: 100 }, quality: { type: 'string' } },
  };

  const rendered = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.params as Params;
    const opts = parseWindow((req.query as { window?: string }).window);
    const ok = acceptable(req);
    if (!ok.png && !ok.jpeg)
      throw new DomainError('not_acceptable', 'rendered frames are served as image/png (or image/jpeg)');
    const actor = actorOf(req);
    const { study, rows } = await resolveInstances(app.db, actor, p.study, p.series, p.instance);
    const r = await trusted(app.db, store, rows[0]!);
    if (r.frames === 0) throw badRequest('this instance has no pixel data (no frames)');
    await auditView(app.db, actor, study.id, 'rendered');
    const frame = Number(p.frame ?? 1);
    // The header and that frame's bytes only (frames.ts), never the whole blob.
    const { bytes } = await readFrame(store, r, frame);
    const ds = await headerOf(store, r);
    let out;
    try {
      out = await renderFrame(
        ds,
        r.transfer_syntax_uid,
        frame,
        { ...opts, ...(!ok.jpeg && { format: 'png' as const }) },
        bytes,
      );
    } catch (err) {
      if (err instanceof RenderError) throw badRequest(`cannot render this frame: ${err.message}`);
      throw err;
    }
    if (out.contentType === 'image/png' && !ok.png)
      throw new DomainError(
        'not_acceptable',
        'this frame is rendered as image/png only (ask for it in Accept)',
      );
    return reply.type(out.contentType).header('cache-control', 'private, max-age=300').send(out.bytes);
  };

  const base = '/studies/:study/series/:series/instances/:instance';
  const summary = 'WADO-RS rendered (PNG/JPEG)';
  app.get(
    `${base}/rendered`,
    { preHandler: read, schema: { tags: ['dicomweb'], summary, params: params(false), querystring } },
    rendered,
  );
  app.get(
    `${base}/frames/:frame/rendered`,
    { preHandler: read, schema: { tags: ['dicomweb'], summary, params: params(true), querystring } },
    rendered,
  );
}
