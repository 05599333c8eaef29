import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  IdParams,
  Permission,
  ServiceClient,
  ServiceClientCreate,
  ServiceClientCreated,
} from '@consult/shared';
import type { Config } from '../config';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';
import { tokenRoutes } from './token.routes';

/**
 * Service clients (program and system administrators create, list and revoke them under /api/service-clients)
 * and the OAuth 2.0 token endpoint at /oauth/token.
 */
const oauthRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const manage = app.guard(Permission.ServiceClientsManage);
  await app.register(tokenRoutes, { config });
  app.get(
    '/api/service-clients',
    {
      preHandler: manage,
      schema: {
        tags: ['oauth'],
        summary: 'Service clients',
        querystring: Type.Object({ hospitalId: Type.Optional(Type.String({ format: 'uuid' })) }),
        response: { 200: Type.Array(ServiceClient), ...errorResponses },
      },
    },
    async (req) => svc.listClients(app.db, req.query.hospitalId ?? null),
  );
  app.post(
    '/api/service-clients',
    {
      preHandler: manage,
      schema: {
        tags: ['oauth'],
        summary: 'Create a service client (its secret is in this answer only)',
        body: ServiceClientCreate,
        response: { 201: ServiceClientCreated, ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await svc.createClient(app.db, actorOf(req), req.body);
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...created, tokenUrl: `${config.publicUrl}/oauth/token` });
    },
  );
  app.post(
    '/api/service-clients/:id/revoke',
    {
      preHandler: manage,
      schema: {
        tags: ['oauth'],
        summary: 'Revoke a service client: its tokens stop working at once',
        params: IdParams,
        response: { 200: ServiceClient, ...errorResponses },
      },
    },
    async (req) => svc.revokeClient(app.db, actorOf(req), req.params.id),
  );
};

export default oauthRoutes;
