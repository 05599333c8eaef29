/**
 * WADO-RS rendered resources (PS3.18 §9.5.1.2, §8.3.5.1): a frame as a consumer-format picture, windowed on the
 * server — for thumbnails, reports and any client without a DICOM decoder. `window=center,width[,LINEAR]` picks the
 * VOI window (default: the instance's own), `viewport=w,h` the size, `quality` the JPEG quality. JPEG or PNG as the
 * Accept header prefers (PNG when anything goes; stored JPEG Baseline frames then pass through as they are).
 * Thumbnails (§9.5.1.2.3) at study, series, instance and frame level: 128×128 unless a viewport is given; study
 * and series show their middle image. The instance-level resources render the first frame.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../auth/plugin';
import { badRequest, DomainError } from '../errors';
import { RenderError, renderFrame, type RenderOptions } from './render';
import { parseAccept } from './negotiate';
import type { PictureFormat, Viewport } from './picture';
import type { BlobStore } from './storage';
import { auditView, resolveInstances } from './wado';
import { headerOf, readFrame, trusted } from './frames';

type Params = { study: string; series?: string; instance?: string; frame?: string };

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

/** `viewport=width,height` (PS3.18 §8.3.5.1.3): the picture fits inside it. */
export function parseViewport(raw: unknown): Viewport | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d{1,5}),(\d{1,5})$/.exec(String(raw));
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
    throw badRequest('viewport must be "width,height" in pixels', '/querystring/viewport');
  return { width: Number(m[1]), height: Number(m[2]) };
}

function parseQuality(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const q = Number(raw);
  if (!Number.isInteger(q) || q < 1 || q > 100)
    throw badRequest('quality must be an integer from 1 to 100', '/querystring/quality');
  return q;
}

/**
 * The picture format from the Accept header: the first acceptable of image/jpeg and image/png in the client's
 * order of preference; undefined when anything goes (no Accept, image/*, *\/*): then PNG, or the stored JPEG.
 */
function formatFor(req: FastifyRequest): PictureFormat | undefined {
  for (const r of parseAccept(req.headers.accept)) {
    if (r.type === '*/*' || r.type === 'image/*') return undefined;
    if (r.type === 'image/jpeg') return 'jpeg';
    if (r.type === 'image/png') return 'png';
  }
  throw new DomainError('not_acceptable', 'rendered frames are served as image/jpeg or image/png');
}

const THUMBNAIL: Viewport = { width: 128, height: 128 };

export async function renderedRoutes(
  app: FastifyInstance,
  store: BlobStore,
  read: ReturnType<FastifyInstance['guard']>,
  uid: Record<string, unknown>,
): Promise<void> {
  const params = (keys: string[], withFrame: boolean) => ({
    type: 'object',
    properties: {
      ...Object.fromEntries(keys.map((k) => [k, uid])),
      ...(withFrame && { frame: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' } }),
    },
  });
  const querystring = {
    type: 'object',
    properties: {
      window: { type: 'string', maxLength: 100 },
      quality: { type: 'string', maxLength: 3 },
      viewport: { type: 'string', maxLength: 20 },
    },
  };

  const render = async (req: FastifyRequest, reply: FastifyReply, thumbnail: boolean) => {
    const p = req.params as Params;
    const query = req.query as { window?: string; viewport?: string; quality?: string };
    const opts: RenderOptions = {
      ...parseWindow(query.window),
      viewport: parseViewport(query.viewport) ?? (thumbnail ? THUMBNAIL : undefined),
      quality: parseQuality(query.quality),
    };
    const format = formatFor(req);
    const actor = actorOf(req);
    const { study, rows: all } = await resolveInstances(app.db, actor, p.study, p.series, p.instance);
    // Study and series thumbnails show the middle image of those with pixel data.
    const pictures = all.filter((row) => row.frames > 0);
    const chosen = p.instance ? all[0] : pictures[Math.floor(pictures.length / 2)];
    if (!chosen) throw badRequest('this instance has no pixel data (no frames)');
    const r = await trusted(app.db, store, chosen);
    if (r.frames === 0) throw badRequest('this instance has no pixel data (no frames)');
    await auditView(app.db, actor, study.id, thumbnail ? 'thumbnail' : 'rendered');
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
        { ...opts, ...(format && { format }) },
        bytes,
      );
    } catch (err) {
      if (err instanceof RenderError) throw badRequest(`cannot render this frame: ${err.message}`);
      throw err;
    }
    return reply.type(out.contentType).header('cache-control', 'private, max-age=300').send(out.bytes);
  };

  const levels: [string, string[]][] = [
    ['/studies/:study', ['study']],
    ['/studies/:study/series/:series', ['study', 'series']],
    ['/studies/:study/series/:series/instances/:instance', ['study', 'series', 'instance']],
    ['/studies/:study/series/:series/instances/:instance/frames/:frame', ['study', 'series', 'instance']],
  ];
  for (const [base, keys] of levels) {
    const withFrame = base.endsWith(':frame');
    const schema = (summary: string) => ({
      tags: ['dicomweb'],
      summary,
      params: params(keys, withFrame),
      querystring,
    });
    app.get(
      `${base}/thumbnail`,
      { preHandler: read, schema: schema('WADO-RS thumbnail (JPEG/PNG)') },
      (req, reply) => render(req, reply, true),
    );
    // Rendered instances and frames (study/series-level rendered multi-picture resources are not offered).
    if (keys.includes('instance'))
      app.get(
        `${base}/rendered`,
        { preHandler: read, schema: schema('WADO-RS rendered (JPEG/PNG)') },
        (req, reply) => render(req, reply, false),
      );
  }
}
