import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import { registerSyncHandlers } from './events';
import { imagingAnnotationStore } from './persistence';
import { BlobStore } from '../imaging/storage';
import { liveRoundsPresenting } from './access';
import { SyncService } from './service';
import { MemorySyncStore, RedisSyncStore, type SyncStore } from './store';

declare module 'fastify' {
  interface FastifyInstance {
    /** Synchronized viewing in rounds (issue 8). Other capabilities may call `sync.revalidateRound(id)`. */
    sync: SyncService;
  }
}

const UUID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
/** `/api/rounds/<uuid>...`: a request that may have changed who takes part in a round, or ended it. */
const ROUND_URL = new RegExp(`^/api/rounds/${UUID}(?:[/?]|$)`, 'i');
/** `/api/consultations/<uuid>/...`: a change that may change who may view the case (team, consent, transitions). */
const CASE_URL = new RegExp(`^/api/consultations/${UUID}/(team|teaching-share|transitions)(?:[/?]|$)`, 'i');

/**
 * Synchronized viewing. Not encapsulated (fastify-plugin) so that its `onRoute` hook sees the routes the
 * capabilities registered after it: every successful change under /api/rounds/:id re-checks who may stay in
 * that round's viewer, so removal from a round (or its end) takes effect at once, on every node; a change of
 * a case's care team, consent or state re-checks the live rounds presenting it (who may view its studies).
 * Registered in capabilities.ts BEFORE the rounds and access capabilities for that reason.
 */
export default fp<{ config: Config }>(
  async (app: FastifyInstance, { config }) => {
    const store: SyncStore = config.redisUrl
      ? await RedisSyncStore.connect(config.redisUrl, { prefix: `${config.redisKeyPrefix}:sync:` }, (err) =>
          app.log.error({ err }, 'sync redis error'),
        )
      : new MemorySyncStore();
    const service = new SyncService(app.db, app.io, store, imagingAnnotationStore(app.db, new BlobStore(config.dataDir)), app.log);
    app.decorate('sync', service);
    app.onSocket((socket) => registerSyncHandlers(socket, service, app.log));

    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const watched = route.url.startsWith('/api/rounds/') || route.url.startsWith('/api/consultations/:id/');
      if (!watched || methods.every((m) => m === 'GET' || m === 'HEAD')) return;
      // onSend, not onResponse: the viewers are re-checked BEFORE the caller hears that the change is done, so
      // nothing of a revoked case can reach a viewer after the change was acknowledged.
      const existing = route.onSend ? (Array.isArray(route.onSend) ? route.onSend : [route.onSend]) : [];
      route.onSend = [
        ...existing,
        async (req, reply, payload) => {
          if (reply.statusCode >= 400 || req.method === 'GET') return payload;
          const round = ROUND_URL.exec(req.url)?.[1];
          const c = CASE_URL.exec(req.url)?.[1];
          const rounds = round ? [round] : c ? await liveRoundsPresenting(app.db, c.toLowerCase()) : [];
          for (const id of rounds)
            await service
              .revalidateRound(id.toLowerCase())
              .catch((err) => req.log.error({ err }, 'sync revalidation failed'));
          return payload;
        },
      ];
    });

    app.addHook('onClose', async () => {
      await store.close();
    });
  },
  { name: 'sync', dependencies: ['realtime', 'db'] },
);
