import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  Assignable,
  Attachment,
  AttachmentParams,
  AttachmentQuery,
  ConsultationCreate,
  ConsultationDetail,
  ConsultationPage,
  ConsultationQuery,
  ConsultationUpdate,
  ErrorResponse,
  IdParams,
  Message,
  MessageCreate,
  OkResponse,
  Permission,
  SlaConfig,
  StudyLink,
  StudyLinkBody,
  StudyParams,
  TeachingShareBody,
  TransitionBody,
} from '@consult/shared';
import type { Config } from '../config';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';
import * as thread from './thread';
import { setTeachingShare } from './teaching';
import { startSlaWatcher } from './sla';

const errors = {
  ...errorResponses,
  413: ErrorResponse,
  415: ErrorResponse,
};

/** Consultation requests: worklist/queue, detail, transitions, thread, attachments, imaging links. */
const consultationRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const P = Permission;
  const ctx: svc.ConsultationCtx = { db: app.db, io: app.io, config };
  const tags = ['consultations'];

  // Raw uploads (PDF/JPEG) for the attachment route only; the type is decided by magic bytes in the service.
  app.addContentTypeParser(
    ['application/pdf', 'image/jpeg', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: config.consultations.attachmentMaxBytes },
    (_req, body, done) => done(null, body),
  );

  app.get(
    '/consultations/sla',
    { preHandler: app.guard(P.ConsultationsRead), schema: { tags, response: { 200: SlaConfig, ...errors } } },
    async () => config.consultations.slaHours,
  );

  app.get(
    '/consultations',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, querystring: ConsultationQuery, response: { 200: ConsultationPage, ...errors } },
    },
    async (req) => svc.listConsultations(app.db, actorOf(req), req.query),
  );
  app.post(
    '/consultations',
    {
      preHandler: app.guard(P.ConsultationsCreate),
      schema: { tags, body: ConsultationCreate, response: { 201: ConsultationDetail, ...errors } },
    },
    async (req, reply) => reply.code(201).send(await svc.createConsultation(ctx, actorOf(req), req.body)),
  );
  app.get(
    '/consultations/:id',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, response: { 200: ConsultationDetail, ...errors } },
    },
    async (req) => svc.getConsultation(app.db, actorOf(req), req.params.id),
  );
  app.patch(
    '/consultations/:id',
    {
      preHandler: app.guard(P.ConsultationsCreate),
      schema: {
        tags,
        params: IdParams,
        body: ConsultationUpdate,
        response: { 200: ConsultationDetail, ...errors },
      },
    },
    async (req) => svc.updateConsultation(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/consultations/:id/transitions',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'Move the request to another state',
        params: IdParams,
        body: TransitionBody,
        response: { 200: ConsultationDetail, ...errors },
      },
    },
    async (req) => svc.transitionConsultation(ctx, actorOf(req), req.params.id, req.body),
  );
  app.put(
    '/consultations/:id/teaching-share',
    {
      preHandler: app.guard(P.ConsultationsCreate),
      schema: {
        tags,
        params: IdParams,
        body: TeachingShareBody,
        response: { 200: ConsultationDetail, ...errors },
      },
    },
    async (req) => setTeachingShare(ctx, actorOf(req), req.params.id, req.body.shared),
  );
  app.get(
    '/consultations/:id/assignable',
    {
      preHandler: app.guard(P.ConsultationsTriage),
      schema: { tags, params: IdParams, response: { 200: Type.Array(Assignable), ...errors } },
    },
    async (req) => svc.assignableFor(app.db, actorOf(req), req.params.id),
  );

  app.get(
    '/consultations/:id/messages',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, response: { 200: Type.Array(Message), ...errors } },
    },
    async (req) => thread.listMessages(app.db, actorOf(req), req.params.id),
  );
  app.post(
    '/consultations/:id/messages',
    {
      preHandler: app.guard(P.ConsultationsMessage),
      schema: { tags, params: IdParams, body: MessageCreate, response: { 201: Message, ...errors } },
    },
    async (req, reply) =>
      reply.code(201).send(await thread.postMessage(ctx, actorOf(req), req.params.id, req.body)),
  );

  app.post(
    '/consultations/:id/attachments',
    {
      preHandler: app.guard(P.ConsultationsMessage),
      schema: {
        tags,
        summary: 'Upload a PDF or JPEG (raw body, Content-Type application/pdf or image/jpeg)',
        params: IdParams,
        querystring: AttachmentQuery,
        response: { 201: Attachment, ...errors },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) {
        return reply.code(415).send({
          statusCode: 415,
          code: 'unsupported_media_type',
          error: 'Unsupported Media Type',
          message: 'send the file as application/pdf or image/jpeg',
        });
      }
      const declaredType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const att = await thread.uploadAttachment(ctx, actorOf(req), req.params.id, {
        fileName: req.query.fileName,
        declaredType,
        bytes: req.body,
      });
      return reply.code(201).send(att);
    },
  );
  app.get(
    '/consultations/:id/attachments/:attachmentId',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, summary: 'Download an attachment', params: AttachmentParams },
    },
    async (req, reply) => {
      const f = await thread.readAttachment(ctx, actorOf(req), req.params.id, req.params.attachmentId);
      return reply
        .type(f.contentType)
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(f.fileName)}`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(f.bytes);
    },
  );

  app.post(
    '/consultations/:id/studies',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'Link an imaging study',
        params: IdParams,
        body: StudyLinkBody,
        response: { 201: StudyLink, ...errors },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await thread.linkStudy(ctx, actorOf(req), req.params.id, req.body.studyInstanceUid)),
  );
  app.delete(
    '/consultations/:id/studies/:uid',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'Unlink an imaging study',
        params: StudyParams,
        response: { 200: OkResponse, ...errors },
      },
    },
    async (req) => {
      await thread.unlinkStudy(ctx, actorOf(req), req.params.id, req.params.uid);
      return { ok: true as const };
    },
  );

  startSlaWatcher(app, ctx);
};

export default consultationRoutes;
