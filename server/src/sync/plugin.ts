import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import { registerSyncHandlers } from './events';
import { imagingAnnotationStore } from './persistence';
import { SyncService } from './service';
import { MemorySyncStore, RedisSyncStore, type SyncStore } from './store';

declare module 'fastify' {
  interface FastifyInstance {
    /** Synchronized viewing in rounds (issue 8). Other capabilities may call `sync.revalidateRound(id)`. */
    sync: SyncService;
  }
}

/** `/api/rounds/<uuid>...`: a request that may have changed who takes part in a round, or ended it. */
const ROUND_URL = /^\/api\/rounds\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?]|$)/i;

/**
 * Synchronized viewing. Not encapsulated (fastify-plugin) so that its `onRoute` hook sees the routes the
 * capabilities registered after it: every successful change under /api/rounds/:id re-checks who may stay in
 * that round's viewer, so removal from a round (or its end) takes effect at once, on every node.
 * Registered in capabilities.ts BEFORE the rounds capability for that reason.
 */
export default fp<{ config: Config }>(
  async (app: FastifyInstance, { config }) => {
    const store: SyncStore = config.redisUrl
      ? await RedisSyncStore.connect(config.redisUrl, { prefix: `${config.redisKeyPrefix}:sync:` }, (err) =>
          app.log.error({ err }, 'sync redis error'),
        )
      : new MemorySyncStore();
    const service = new SyncService(app.db, app.io, store, imagingAnnotationStore(app.db), app.log);
    app.decorate('sync', service);
    app.onSocket((socket) => registerSyncHandlers(socket, service, app.log));

    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!route.url.startsWith('/api/rounds/') || methods.every((m) => m === 'GET' || m === 'HEAD')) return;
      const existing = route.onResponse
        ? Array.isArray(route.onResponse)
          ? route.onResponse
          : [route.onResponse]
        : [];
      route.onResponse = [
        ...existing,
        async (req, reply) => {
          const m = ROUND_URL.exec(req.url);
          if (!m || reply.statusCode >= 400 || req.method === 'GET') return;
          await service
            .revalidateRound(m[1]!.toLowerCase())
            .catch((err) => req.log.error({ err }, 'sync revalidation failed'));
        },
      ];
    });

    app.addHook('onClose', async () => {
      await store.close();
    });
  },
  { name: 'sync', dependencies: ['realtime', 'db'] },
);
