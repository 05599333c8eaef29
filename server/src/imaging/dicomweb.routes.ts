import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Permission } from '@consult/shared';
import { actorOf } from '../auth/plugin';
import { badRequest, DomainError, notFound } from '../errors';
import { findStudies } from './queries';
import { dataSetToJson } from './dicomjson';
import { qidoInstances, qidoSeries, qidoStudies, type QidoQuery } from './qido';
import { stowParts, stowResponse } from './stow';
import type { BlobStore } from './storage';
import { renderedRoutes } from './rendered.routes';
import { parseAccept } from './negotiate';
import { sendDicomJson, sendQido } from './respond';
import { frameParts, instanceParts } from './retrieve';
import { headerOf, trusted } from './frames';
import {
  auditView,
  bulkData,
  loadDataSet,
  multipartBody,
  multipartStream,
  newBoundary,
  resolveInstance,
  resolveInstances,
  type Part,
} from './wado';

export interface ImagingDeps {
  store: BlobStore;
  maxInstanceBytes: number;
}

type P = { study?: string; series?: string; instance?: string; frames?: string; tag?: string };

/** The DICOMweb base URL as the client reached it (RetrieveURL, BulkDataURI). */
export const dicomwebBase = (req: FastifyRequest) =>
  `${req.protocol}://${req.headers.host ?? 'localhost'}/dicomweb`;

const UID = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)*$', maxLength: 64 } as const;

/** DICOMweb (PS3.18): STOW-RS, QIDO-RS, WADO-RS under /dicomweb. Access through imaging/access.ts only. */
export async function dicomwebRoutes(app: FastifyInstance, deps: ImagingDeps): Promise<void> {
  const { store } = deps;
  // STOW bodies are consumed as a stream by the handler (never buffered whole).
  app.addContentTypeParser('multipart/related', (_req, payload, done) => done(null, payload));

  const read = app.guard(Permission.StudiesRead);
  const upload = app.guard(Permission.StudiesUpload);
  const params = (extra: (keyof P)[]) => ({
    type: 'object',
    properties: Object.fromEntries(
      extra.map((k) => [
        k,
        k === 'frames'
          ? { type: 'string', pattern: '^[0-9]+(,[0-9]+)*$' }
          : k === 'tag'
            ? { type: 'string', pattern: '^[0-9A-Fa-f]{8}$' }
            : UID,
      ]),
    ),
  });
  const schema = (extra: (keyof P)[]) => ({ tags: ['dicomweb'], params: params(extra) });
  /** One WADO-RS handler at study, series and instance level (`suffix`: '' or '/metadata'). */
  const atEachLevel = (
    suffix: string,
    handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  ) => {
    const levels: [string, (keyof P)[]][] = [
      ['/studies/:study', ['study']],
      ['/studies/:study/series/:series', ['study', 'series']],
      ['/studies/:study/series/:series/instances/:instance', ['study', 'series', 'instance']],
    ];
    for (const [url, keys] of levels)
      app.get(`${url}${suffix}`, { preHandler: read, schema: schema(keys) }, handler);
  };

  const stow = async (req: FastifyRequest, reply: FastifyReply) => {
    const actor = actorOf(req);
    const expectStudyUid = (req.params as P).study;
    const results = await stowParts(app.db, store, actor, req, req.body as AsyncIterable<Uint8Array>, {
      maxInstanceBytes: deps.maxInstanceBytes,
      expectStudyUid,
    });
    const { status, body } = stowResponse(results, dicomwebBase(req));
    return reply.code(status).type('application/dicom+json').send(body);
  };
  // An upload writes imaging and audit rows only, none that a session or the consultation list reads: the
  // sessions and list pages kept for concurrent requests stay answered from memory (plugins/db.ts).
  const stowConfig = { movesVersions: [] };
  app.post(
    '/studies',
    { preHandler: upload, config: stowConfig, schema: { tags: ['dicomweb'], summary: 'STOW-RS' } },
    stow,
  );
  app.post('/studies/:study', { preHandler: upload, config: stowConfig, schema: schema(['study']) }, stow);

  // ---- QIDO-RS (Warning headers for ignored keys and further pages; gzip/deflate when accepted)
  app.get(
    '/studies',
    { preHandler: read, schema: { tags: ['dicomweb'], summary: 'QIDO-RS studies' } },
    async (req, reply) =>
      sendQido(
        req,
        reply,
        await qidoStudies(app.db, store, actorOf(req), req.query as QidoQuery, dicomwebBase(req)),
      ),
  );
  app.get('/series', { preHandler: read, schema: { tags: ['dicomweb'] } }, async (req, reply) =>
    sendQido(
      req,
      reply,
      await qidoSeries(app.db, store, actorOf(req), null, req.query as QidoQuery, dicomwebBase(req)),
    ),
  );
  app.get('/instances', { preHandler: read, schema: { tags: ['dicomweb'] } }, async (req, reply) =>
    sendQido(
      req,
      reply,
      await qidoInstances(app.db, store, actorOf(req), null, null, req.query as QidoQuery, dicomwebBase(req)),
    ),
  );
  app.get('/studies/:study/series', { preHandler: read, schema: schema(['study']) }, async (req, reply) => {
    const p = req.params as P;
    const r = await qidoSeries(
      app.db,
      store,
      actorOf(req),
      p.study!,
      req.query as QidoQuery,
      dicomwebBase(req),
    );
    if (!r.results.length) await assertStudyVisible(app, req, p.study!);
    return sendQido(req, reply, r);
  });
  app.get(
    '/studies/:study/instances',
    { preHandler: read, schema: schema(['study']) },
    async (req, reply) => {
      const p = req.params as P;
      const q = req.query as QidoQuery;
      const r = await qidoInstances(app.db, store, actorOf(req), p.study!, null, q, dicomwebBase(req));
      if (!r.results.length) await assertStudyVisible(app, req, p.study!);
      return sendQido(req, reply, r);
    },
  );
  app.get(
    '/studies/:study/series/:series/instances',
    { preHandler: read, schema: schema(['study', 'series']) },
    async (req, reply) => {
      const p = req.params as P;
      const q = req.query as QidoQuery;
      const r = await qidoInstances(app.db, store, actorOf(req), p.study!, p.series!, q, dicomwebBase(req));
      if (!r.results.length) await assertStudyVisible(app, req, p.study!);
      return sendQido(req, reply, r);
    },
  );

  // ---- WADO-RS retrieve (Part 10 files as stored, or transcoded as the Accept header asks)
  const retrieve = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.params as P;
    const actor = actorOf(req);
    const { study, rows } = await resolveInstances(app.db, actor, p.study!, p.series, p.instance);
    await auditView(app.db, actor, study.id, 'wado-rs');
    const base = dicomwebBase(req);
    const parts = await instanceParts(
      store,
      rows,
      parseAccept(req.headers.accept),
      (r) => `${base}/studies/${study.study_uid}/series/${r.series_uid}/instances/${r.sop_uid}`,
    );
    const boundary = newBoundary();
    return reply
      .type(`multipart/related; type="application/dicom"; boundary=${boundary}`)
      .send(multipartStream(store, parts, boundary));
  };
  atEachLevel('', retrieve);

  // ---- metadata (DICOM JSON with BulkDataURIs)
  const metadata = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.params as P;
    const actor = actorOf(req);
    const { study, rows } = await resolveInstances(app.db, actor, p.study!, p.series, p.instance);
    await auditView(app.db, actor, study.id, 'metadata');
    const base = dicomwebBase(req);
    const out = [];
    for (const row of rows) {
      // A quarantined instance: 409 when asked for alone, left out of a study's or series' metadata.
      const r = await trusted(app.db, store, row).catch((e: unknown) => {
        if (rows.length > 1 && e instanceof DomainError && e.code === 'conflict') return null;
        throw e;
      });
      if (!r) continue;
      const inst = `${base}/studies/${study.study_uid}/series/${r.series_uid}/instances/${r.sop_uid}`;
      const ds = await headerOf(store, r);
      const frames = Array.from({ length: Math.max(1, r.frames) }, (_x, k) => k + 1).join(',');
      out.push(
        dataSetToJson(ds, {
          bulkBase: `${inst}/bulkdata`,
          framesUrl: `${inst}/frames/${frames}`,
          skipMeta: true,
        }),
      );
    }
    return sendDicomJson(req, reply, out);
  };
  atEachLevel('/metadata', metadata);

  // ---- frames and bulk data
  app.get(
    '/studies/:study/series/:series/instances/:instance/frames/:frames',
    { preHandler: read, schema: schema(['study', 'series', 'instance', 'frames']) },
    async (req, reply) => {
      const p = req.params as P;
      const actor = actorOf(req);
      const { studyId, row } = await resolveInstance(app.db, actor, {
        study: p.study!,
        series: p.series!,
        sop: p.instance!,
      });
      const r = await trusted(app.db, store, row);
      if (r.frames === 0) throw badRequest('this instance has no pixel data (no frames)');
      await auditView(app.db, actor, studyId, 'frames');
      const parts = await frameParts(store, r, p.frames!, parseAccept(req.headers.accept));
      const boundary = newBoundary();
      const mediaType = parts[0]!.contentType.split(';')[0];
      return reply
        .type(`multipart/related; type="${mediaType}"; boundary=${boundary}`)
        .send(multipartBody(store, parts, boundary));
    },
  );
  await renderedRoutes(app, store, read, UID);
  app.get(
    '/studies/:study/series/:series/instances/:instance/bulkdata/:tag',
    { preHandler: read, schema: schema(['study', 'series', 'instance', 'tag']) },
    async (req, reply) => {
      const p = req.params as P;
      const actor = actorOf(req);
      const { study, rows } = await resolveInstances(app.db, actor, p.study!, p.series, p.instance);
      await auditView(app.db, actor, study.id, 'bulkdata');
      const r = await trusted(app.db, store, rows[0]!);
      // Attributes before the pixel data come from the header; the pixel data itself (rarely asked for: its
      // frames are the frames resource) from the whole data set.
      const ds =
        p.tag!.toLowerCase() === '7fe00010' ? await loadDataSet(store, r.sha256) : await headerOf(store, r);
      const boundary = newBoundary();
      const parts: Part[] = [{ contentType: 'application/octet-stream', bytes: bulkData(ds, p.tag!) }];
      return reply
        .type(`multipart/related; type="application/octet-stream"; boundary=${boundary}`)
        .send(multipartBody(store, parts, boundary));
    },
  );
}

/** An empty result under a study: 404 when the study itself is not visible (else the empty list stands). */
async function assertStudyVisible(app: FastifyInstance, req: FastifyRequest, studyUid: string) {
  const s = await findStudies(app.db, actorOf(req), studyUid);
  if (!s.length) throw notFound('study');
}
