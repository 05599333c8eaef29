import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  CareTeam,
  CareTeamAdd,
  CareTeamCandidate,
  CareTeamMemberParams,
  IdParams,
  OkResponse,
  Permission,
} from '@consult/shared';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as team from './team';

/** The care team of a case: who is on it, and the consultant adding and removing colleagues. */
const accessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx: team.TeamCtx = { db: app.db, io: app.io };
  const tags = ['care team'];
  const P = Permission;

  app.get(
    '/consultations/:id/team',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, response: { 200: CareTeam, ...errorResponses } },
    },
    async (req) => team.getTeam(app.db, actorOf(req), req.params.id),
  );
  app.get(
    '/consultations/:id/team/candidates',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, response: { 200: Type.Array(CareTeamCandidate), ...errorResponses } },
    },
    async (req) => team.teamCandidates(app.db, actorOf(req), req.params.id),
  );
  app.post(
    '/consultations/:id/team',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, body: CareTeamAdd, response: { 200: CareTeam, ...errorResponses } },
    },
    async (req) => team.addMember(ctx, actorOf(req), req.params.id, req.body),
  );
  app.delete(
    '/consultations/:id/team/:userId',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        params: CareTeamMemberParams,
        response: { 200: Type.Union([CareTeam, OkResponse]), ...errorResponses },
      },
    },
    async (req) =>
      (await team.removeMember(ctx, actorOf(req), req.params.id, req.params.userId)) ?? { ok: true as const },
  );
};

export default accessRoutes;
