import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Worklist } from '@consult/shared';
import type { Config } from '../config';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';

/** Home as a worklist: GET /api/worklist, for every signed-in user (its sections follow the role). */
const worklistRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const ctx: svc.WorklistCtx = { db: app.db, timeZone: config.reportTimeZone };
  app.get(
    '/worklist',
    {
      preHandler: app.guard(),
      schema: { tags: ['worklist'], response: { 200: Worklist, ...errorResponses } },
    },
    async (req) => svc.getWorklist(ctx, actorOf(req)),
  );
};

export default worklistRoutes;
