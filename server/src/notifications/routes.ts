import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, IsoDateTime, NotificationList, Uuid } from '@consult/shared';
import { actorOf } from '../auth/plugin';
import { listNotifications, markRead } from './service';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

/** The persisted inbox (what a client missed while offline) and its live push over socket.io. */
const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/notifications',
    {
      preHandler: app.guard(),
      schema: {
        tags: ['notifications'],
        querystring: Type.Object({
          since: Type.Optional(IsoDateTime),
          unreadOnly: Type.Optional(Type.Boolean()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        }),
        response: { 200: NotificationList, ...errors },
      },
    },
    async (req) => listNotifications(app.db, actorOf(req), req.query),
  );
  app.post(
    '/notifications/read',
    {
      preHandler: app.guard(),
      schema: {
        tags: ['notifications'],
        body: Type.Object(
          { ids: Type.Union([Type.Array(Uuid, { maxItems: 500 }), Type.Literal('all')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ updated: Type.Integer() }), ...errors },
      },
    },
    async (req) => ({ updated: await markRead(app.db, actorOf(req).id, req.body.ids) }),
  );

  app.onSocket((socket) => {
    socket.on('notification:sync', async (since, ack) => {
      if (typeof ack !== 'function') return;
      try {
        if (since !== null && (typeof since !== 'string' || Number.isNaN(Date.parse(since)))) {
          return ack({ ok: false, code: 'validation', message: 'since must be an ISO date-time or null' });
        }
        const list = await listNotifications(app.db, socket.data.actor, {
          since,
          unreadOnly: since === null,
          limit: 200,
        });
        ack({ ok: true, data: list.items });
      } catch {
        ack({ ok: false, code: 'unavailable', message: 'could not load notifications' });
      }
    });
  });
};

export default notificationRoutes;
