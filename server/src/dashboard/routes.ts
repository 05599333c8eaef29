import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Dashboard, DashboardFilters, DashboardQuery, ErrorResponse, Permission } from '@consult/shared';
import { actorOf } from '../auth/plugin';
import * as svc from './service';
import { dashboardCsv } from './csv';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['dashboard'];

/** Program dashboard for program administrators (aggregates only, never patient rows). */
const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/dashboard/filters',
    {
      preHandler: app.guard(Permission.StatsRead),
      schema: { tags, response: { 200: DashboardFilters, ...errors } },
    },
    async () => svc.dashboardFilters(app.db),
  );
  app.get(
    '/dashboard',
    {
      preHandler: app.guard(Permission.StatsRead),
      schema: { tags, querystring: DashboardQuery, response: { 200: Dashboard, ...errors } },
    },
    async (req) => svc.getDashboard(app.db, actorOf(req), req.query),
  );
  app.get(
    '/dashboard.csv',
    {
      preHandler: app.guard(Permission.StatsRead),
      schema: { tags, summary: 'The dashboard as CSV', querystring: DashboardQuery },
    },
    async (req, reply) => {
      const d = await svc.getDashboard(app.db, actorOf(req), req.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="dashboard-${d.from}-${d.to}.csv"`)
        .send(dashboardCsv(d, await svc.localeOf(app.db, actorOf(req))));
    },
  );
};

export default dashboardRoutes;
