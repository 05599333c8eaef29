import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  IdParams,
  Permission,
  PresentableCase,
  PresentableQuery,
  RoundDraft,
  RoundDraftQuery,
  RecordingParams,
  RoundCreate,
  RoundDetail,
  RoundPerson,
  RoundQuery,
  RoundSummary,
  RoundUpdate,
} from '@consult/shared';
import type { Config } from '../config';
import { actorOf } from '../auth/plugin';
import { DomainError, errorResponses } from '../errors';
import { publishChange } from '../consultations/publish';
import { Sfu } from '../sfu/Sfu';
import { observeSfu } from '../metrics/sfu';
import { recordingPath, registerRoundSocket, waitForRecordings } from './events';
import { recordingKey, recordingStore } from './recording-jobs';
import { recordingForViewing } from './room-service';
import * as svc from './service';
import { presentableCases, roundDraft } from './from-case';
import { notifyInvited, roundCalendar } from './invitations';

const errors = errorResponses;

const SfuStats = Type.Object({
  workerBin: Type.Union([Type.String(), Type.Null()]),
  workers: Type.Array(Type.Object({ slot: Type.Integer(), pid: Type.Integer(), peers: Type.Integer() })),
  rooms: Type.Array(
    Type.Object({
      roundId: Type.String(),
      peers: Type.Array(Type.String()),
      recording: Type.Boolean(),
      routers: Type.Array(
        Type.Object({
          routerId: Type.String(),
          workerPid: Type.Integer(),
          transports: Type.Integer(),
          peerTransports: Type.Integer(),
          producers: Type.Integer(),
          consumers: Type.Integer(),
        }),
      ),
    }),
  ),
});

/** Video ward rounds: CRUD, the recordings, media signalling on the socket, and SFU stats for operators. */
const roundRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const P = Permission;
  const sfu = new Sfu(config.sfu, app.log);
  observeSfu(app, sfu);
  const signalling = await registerRoundSocket(app, config, sfu);
  app.addHook('onClose', async () => {
    sfu.close();
    await signalling.close();
    await waitForRecordings();
  });

  app.get(
    '/rounds',
    {
      preHandler: app.guard(P.RoundsJoin),
      schema: {
        tags: ['rounds'],
        querystring: RoundQuery,
        response: { 200: Type.Array(RoundSummary), ...errors },
      },
    },
    async (req) => svc.listRounds(app.db, actorOf(req), req.query),
  );
  app.get(
    '/rounds/candidates',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: {
        tags: ['rounds'],
        summary: 'Who may be invited',
        response: { 200: Type.Array(RoundPerson), ...errors },
      },
    },
    async (req) => svc.candidates(app.db, actorOf(req)),
  );
  app.get(
    '/rounds/presentable',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: {
        tags: ['rounds'],
        summary: 'Cases the caller may put on an agenda (on their care team)',
        querystring: PresentableQuery,
        response: { 200: Type.Array(PresentableCase), ...errors },
      },
    },
    async (req) => presentableCases(app.db, actorOf(req), req.query),
  );
  app.get(
    '/rounds/draft',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: {
        tags: ['rounds'],
        summary: 'A round prefilled from a case: title, the case on the agenda, its care team invited',
        querystring: RoundDraftQuery,
        response: { 200: RoundDraft, ...errors },
      },
    },
    async (req) => roundDraft(app.db, actorOf(req), req.query.consultationId),
  );
  app.post(
    '/rounds',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: { tags: ['rounds'], body: RoundCreate, response: { 201: RoundDetail, ...errors } },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { round, invited, scheduled } = await svc.createRound(app.db, config, actor, req.body);
      if (scheduled) await publishChange({ db: app.db, io: app.io, config }, scheduled);
      await notifyInvited(app.db, app.io, round, invited);
      return reply.code(201).send(round);
    },
  );
  app.get(
    '/rounds/:id',
    {
      preHandler: app.guard(P.RoundsJoin),
      schema: { tags: ['rounds'], params: IdParams, response: { 200: RoundDetail, ...errors } },
    },
    async (req) => svc.getRound(app.db, actorOf(req), req.params.id),
  );
  app.get(
    '/rounds/:id/calendar.ics',
    {
      preHandler: app.guard(P.RoundsJoin),
      schema: { tags: ['rounds'], summary: 'The round as an iCalendar (RFC 5545) file', params: IdParams },
    },
    async (req, reply) => {
      const { fileName, body } = await roundCalendar(app.db, config, actorOf(req), req.params.id);
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(body);
    },
  );
  app.patch(
    '/rounds/:id',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: {
        tags: ['rounds'],
        params: IdParams,
        body: RoundUpdate,
        response: { 200: RoundDetail, ...errors },
      },
    },
    async (req) => {
      const { round, newlyInvited } = await svc.updateRound(app.db, actorOf(req), req.params.id, req.body);
      await notifyInvited(app.db, app.io, round, newlyInvited);
      return round;
    },
  );
  app.post(
    '/rounds/:id/end',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: { tags: ['rounds'], params: IdParams, response: { 200: RoundDetail, ...errors } },
    },
    async (req) => {
      const round = await svc.endRound(app.db, actorOf(req), req.params.id);
      await signalling.endRound(round.id);
      return svc.getRound(app.db, actorOf(req), round.id);
    },
  );

  /** The WebM file, with HTTP range requests so the browser's <video> can seek. */
  app.get(
    '/rounds/:id/recordings/:recordingId/file',
    { preHandler: app.guard(P.RoundsJoin), schema: { tags: ['rounds'], params: RecordingParams } },
    async (req, reply) => {
      const rec = await recordingForViewing(app.db, actorOf(req), req.params.id, req.params.recordingId);
      const store = recordingStore(config);
      const key = recordingKey(rec.round_id, rec.file_name);
      const st =
        path.basename(recordingPath(config, rec.round_id, rec.id)) === rec.file_name
          ? await store.stat(key)
          : null;
      if (!st) throw new DomainError('not_found', 'recording file not found');
      const size = st.size;
      reply
        .header('accept-ranges', 'bytes')
        .header('content-type', rec.mime_type)
        .header('cache-control', 'private, no-store');
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (!range || (!range[1] && !range[2])) {
        reply.header('content-length', size);
        return reply.send(store.stream(key));
      }
      let start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      let end = range[1] && range[2] ? Number(range[2]) : size - 1;
      end = Math.min(end, size - 1);
      if (start > end || start >= size) {
        return reply.code(416).header('content-range', `bytes */${size}`).send();
      }
      start = Math.max(0, start);
      reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${size}`)
        .header('content-length', end - start + 1);
      return reply.send(store.stream(key, { start, end }));
    },
  );

  /** Operators: workers (pid, load) and open rooms with their routers' transport/producer/consumer counts. */
  app.get(
    '/sfu/stats',
    {
      preHandler: app.guard(P.StatsRead),
      schema: { tags: ['rounds'], response: { 200: SfuStats, ...errors } },
    },
    async () => ({
      workerBin: config.sfu.workerBin,
      workers: sfu.pool.workers.map((w) => ({ slot: w.slot, pid: w.worker.pid, peers: w.peers })),
      rooms: await Promise.all([...sfu.rooms.values()].filter((r) => !r.closed).map((r) => r.dump())),
    }),
  );
};

export default roundRoutes;
