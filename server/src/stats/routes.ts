import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse, Permission, ProgramStats, StatsQuery } from '@consult/shared';
import { actorOf } from '../auth/plugin';
import { programStats } from './service';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

/** Program statistics for program administrators: aggregates only, never patient rows. */
const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/stats/consultations',
    {
      preHandler: app.guard(Permission.StatsRead),
      schema: {
        tags: ['stats'],
        summary: 'Per pairing and per county hospital',
        querystring: StatsQuery,
        response: { 200: ProgramStats, ...errors },
      },
    },
    async (req) => programStats(app.db, actorOf(req), req.query),
  );
};

export default statsRoutes;
