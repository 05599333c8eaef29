import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  SrMark,
  Annotation,
  AnnotationCreate,
  AnnotationDeleteQuery,
  AnnotationUpdate,
  ErrorResponse,
  IdParams,
  OkResponse,
  Permission,
  SrExportResult,
  StudyCaseLink,
  StudyDetail,
  StudyListQuery,
  StudySummary,
  UploadResult,
} from '@consult/shared';
import type { Config } from '../config';
import { actorOf } from '../auth/plugin';
import { DomainError, errorResponses } from '../errors';
import { dicomwebRoutes, type ImagingDeps } from './dicomweb.routes';
import { storeInstance } from './ingest';
import * as svc from './service';
import * as ann from './annotations';
import { exportSr } from './sr';
import { studySrMarks } from './sr-read';
import { BlobStore, TempWriter } from './storage';
import { storageDirOf } from '../ops-config';
import { wadoUriRoutes } from './wado-uri.routes';
import { sweepLeftovers } from './sweep';
import { revalidateStored } from './revalidate';
import { timedSync } from './ingest-timing';

const errors = errorResponses;
const UPLOAD_STATUS: Record<string, number> = {
  stored: 201,
  already_stored: 200,
  conflict: 409,
  rejected: 400,
};

/** JSON API for the browser: single-file upload with a per-file result, study list/detail, annotations, SR export. */
const apiRoutes =
  (deps: ImagingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const P = Permission;
    // One file per request, streamed to a temp file: the browser shows progress per file.
    for (const t of ['application/dicom', 'application/octet-stream'])
      app.addContentTypeParser(t, (_req, payload, done) => done(null, payload));

    app.post(
      '/instances',
      {
        preHandler: app.guard(P.StudiesUpload),
        schema: {
          tags: ['imaging'],
          summary: 'Upload one DICOM file (raw body)',
          response: {
            200: UploadResult,
            201: UploadResult,
            400: UploadResult,
            409: UploadResult,
            401: ErrorResponse,
            403: ErrorResponse,
            415: ErrorResponse,
          },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const body = req.body as AsyncIterable<Uint8Array> | undefined;
        if (!body || typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') {
          throw new DomainError(
            'unsupported_media_type',
            'send the file as the request body with Content-Type application/dicom',
          );
        }
        const w = new TempWriter(deps.store);
        try {
          for await (const chunk of body) {
            if (w.size + chunk.length > deps.maxInstanceBytes) {
              await w.abort();
              return reply.code(400).send({
                status: 'rejected',
                reason: `the file is larger than the ${Math.round(deps.maxInstanceBytes / 1048576)} MiB limit`,
                studyInstanceUid: null,
                sopInstanceUid: null,
                studyId: null,
              });
            }
            await w.write(chunk);
          }
        } catch (e) {
          await w.abort();
          throw e;
        }
        const { sha256, durable } = w.seal();
        await timedSync(app.db, durable);
        // A small file is scanned from the bytes the upload held (TempWriter.held), not read again.
        const r = await storeInstance(app.db, deps.store, actor, {
          tempPath: w.path,
          sha256,
          size: w.size,
          held: w.held,
        });
        return reply.code((UPLOAD_STATUS[r.status] ?? 400) as 200).send({
          status: r.status,
          reason: r.reason,
          studyInstanceUid: r.studyUid,
          sopInstanceUid: r.sopInstanceUid,
          studyId: r.studyId,
        });
      },
    );

    app.get(
      '/studies',
      {
        preHandler: app.guard(P.StudiesRead),
        schema: {
          tags: ['imaging'],
          querystring: StudyListQuery,
          response: { 200: Type.Array(StudySummary), ...errors },
        },
      },
      async (req) => svc.listStudies(app.db, actorOf(req), req.query),
    );
    app.get(
      '/studies/:id',
      {
        preHandler: app.guard(P.StudiesRead),
        schema: { tags: ['imaging'], params: IdParams, response: { 200: StudyDetail, ...errors } },
      },
      async (req) => svc.getStudy(app.db, actorOf(req), req.params.id),
    );
    app.put(
      '/studies/:id/case',
      {
        preHandler: app.guard(P.StudiesUpload),
        schema: {
          tags: ['imaging'],
          params: IdParams,
          body: StudyCaseLink,
          response: { 200: StudySummary, ...errors },
        },
      },
      async (req) => svc.linkCase(app.db, actorOf(req), req.params.id, req.body.caseId),
    );
    app.get(
      '/studies/:id/annotations',
      {
        preHandler: app.guard(P.StudiesRead),
        schema: { tags: ['imaging'], params: IdParams, response: { 200: Type.Array(Annotation), ...errors } },
      },
      async (req) => ann.listAnnotations(app.db, deps.store, actorOf(req), req.params.id),
    );
    // Marks of the measurement reports (DICOM SR) in the study, from this platform or elsewhere: read-only.
    app.get(
      '/studies/:id/sr-marks',
      {
        preHandler: app.guard(P.StudiesRead),
        schema: { tags: ['imaging'], params: IdParams, response: { 200: Type.Array(SrMark), ...errors } },
      },
      async (req) => studySrMarks(app.db, deps.store, actorOf(req), req.params.id),
    );
    app.post(
      '/studies/:id/annotations',
      {
        preHandler: app.guard(P.AnnotationsWrite),
        schema: {
          tags: ['imaging'],
          params: IdParams,
          body: AnnotationCreate,
          response: { 201: Annotation, ...errors },
        },
      },
      async (req, reply) =>
        reply
          .code(201)
          .send(await ann.createAnnotation(app.db, deps.store, actorOf(req), req.params.id, req.body)),
    );
    app.put(
      '/annotations/:id',
      {
        preHandler: app.guard(P.AnnotationsWrite),
        schema: {
          tags: ['imaging'],
          params: IdParams,
          body: AnnotationUpdate,
          response: { 200: Annotation, ...errors },
        },
      },
      async (req) => ann.updateAnnotation(app.db, deps.store, actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/annotations/:id',
      {
        preHandler: app.guard(P.AnnotationsWrite),
        schema: {
          tags: ['imaging'],
          params: IdParams,
          querystring: AnnotationDeleteQuery,
          response: { 200: OkResponse, ...errors },
        },
      },
      async (req) => {
        await ann.deleteAnnotation(app.db, actorOf(req), req.params.id, req.query.version);
        return { ok: true as const };
      },
    );
    app.post(
      '/studies/:id/sr',
      {
        preHandler: app.guard(P.AnnotationsWrite),
        schema: {
          tags: ['imaging'],
          summary: 'Export measurements as DICOM SR (TID 1500)',
          params: IdParams,
          response: { 201: SrExportResult, ...errors },
        },
      },
      async (req, reply) =>
        reply.code(201).send(await exportSr(app.db, deps.store, actorOf(req), req.params.id)),
    );
  };

/** Imaging capability: /dicomweb (STOW/QIDO/WADO-RS), /wado (WADO-URI), /api/imaging (JSON API). */
const imagingPlugin: FastifyPluginAsync<{ config: Config }> = async (app: FastifyInstance, { config }) => {
  const store = new BlobStore(storageDirOf(config));
  // A node that starts while the database is down still starts (and answers 503): the sweep waits for the next start.
  const swept = await sweepLeftovers(app.db, store).catch((err: unknown) => {
    app.log.warn(
      { err },
      'imaging: start-up sweep skipped (database unavailable); it runs at the next start',
    );
    return null;
  });
  if (swept && (swept.temp || swept.blobs || swept.patients))
    app.log.warn(
      swept,
      'imaging: removed crash leftovers (temp parts, unreferenced blobs); refreshed split patients',
    );
  // Rows stored before the validating scan are re-checked in the background, in bounded batches (reads also
  // re-check a row on first use); inconsistent ones are quarantined. It stops with the app.
  let closing = false;
  app.addHook('onClose', () => void (closing = true));
  const revalidation = revalidateStored(app.db, store, 50, () => closing)
    .then((r) => {
      if (r.checked) app.log.warn(r, 'imaging: re-validated instances stored before the validating scan');
    })
    .catch((err: unknown) =>
      app.log.warn({ err }, 'imaging: re-validation pass stopped; it resumes at the next start'),
    );
  app.addHook('onClose', async () => revalidation);
  const deps: ImagingDeps = { store, maxInstanceBytes: config.imagingMaxInstanceMb * 1024 * 1024 };
  await app.register(async (a) => dicomwebRoutes(a, deps), { prefix: '/dicomweb' });
  await app.register(async (a) => wadoUriRoutes(a, deps), { prefix: '/wado' });
  await app.register(apiRoutes(deps), { prefix: '/api/imaging' });
};
export default imagingPlugin;
