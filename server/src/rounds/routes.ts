import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  IdParams,
  Permission,
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
import { notifyUsers } from '../notifications/service';
import { Sfu } from '../sfu/Sfu';
import { observeSfu } from '../metrics/sfu';
import { recordingPath, registerRoundSocket, waitForRecordings } from './events';
import { recordingForViewing } from './room-service';
import * as svc from './service';

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
  app.post(
    '/rounds',
    {
      preHandler: app.guard(P.RoundsCreate),
      schema: { tags: ['rounds'], body: RoundCreate, response: { 201: RoundDetail, ...errors } },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { round, invited } = await svc.createRound(app.db, actor, req.body);
      await notifyUsers(app.db, app.io, invited, {
        kind: 'round.invited',
        entityType: 'round',
        entityId: round.id,
        data: { title: round.title, scheduledAt: round.scheduledAt },
      });
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
      await notifyUsers(app.db, app.io, newlyInvited, {
        kind: 'round.invited',
        entityType: 'round',
        entityId: round.id,
        data: { title: round.title, scheduledAt: round.scheduledAt },
      });
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
      const file = recordingPath(config, rec.round_id, rec.id);
      if (path.basename(file) !== rec.file_name || !fs.existsSync(file))
        throw new DomainError('not_found', 'recording file not found');
      const size = fs.statSync(file).size;
      reply
        .header('accept-ranges', 'bytes')
        .header('content-type', rec.mime_type)
        .header('cache-control', 'private, no-store');
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (!range || (!range[1] && !range[2])) {
        reply.header('content-length', size);
        return reply.send(fs.createReadStream(file));
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
      return reply.send(fs.createReadStream(file, { start, end }));
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
