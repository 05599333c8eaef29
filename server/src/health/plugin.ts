import fp from 'fastify-plugin';
import type { Config } from '../config';
import { ping } from './queries';

/** A readiness check: resolves with a short status when the dependency works, throws (with why) when not. */
export type ReadinessCheck = () => Promise<string>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Capabilities add the dependencies they need to serve (the SFU's workers) to /health/ready. */
    readiness: { add(name: string, check: ReadinessCheck): void };
  }
}

/** A check that has not answered in this time counts as failed: a probe must answer quickly, never hang. */
const CHECK_TIMEOUT_MS = 2000;

async function withTimeout(check: ReadinessCheck): Promise<{ ok: boolean; status: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    return { ok: true, status: await Promise.race([check(), timeout]) };
  } catch (e) {
    return { ok: false, status: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness and readiness for load balancers and orchestrators (both public, outside /api):
 *   GET /health/live   200 while the process serves HTTP at all (restart it when this fails)
 *   GET /health/ready  200 when the database, Redis (when REDIS_URL is set) and every added check (the SFU
 *                      workers) answer; 503 naming each failing check otherwise (take the node out of rotation).
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const checks = new Map<string, ReadinessCheck>();
    app.decorate('readiness', {
      add: (name: string, check: ReadinessCheck) => void checks.set(name, check),
    });

    checks.set('database', async () => {
      await ping(app.db);
      return 'ok';
    });

    if (config.redisUrl) {
      // Its own connection: the socket.io adapter's clients are busy with pub/sub. No reconnect storm on outage.
      // Imported only with Redis configured (see realtime/plugin.ts).
      const { createClient } = await import('redis');
      const redis = createClient({
        url: config.redisUrl,
        socket: {
          connectTimeout: CHECK_TIMEOUT_MS,
          reconnectStrategy: (n) => Math.min(1000 * 2 ** n, 10_000),
        },
      });
      redis.on('error', () => {
        /* reported by the check */
      });
      void redis.connect().catch(() => undefined);
      checks.set('redis', async () => {
        if (!redis.isReady) throw new Error('not connected');
        await redis.ping();
        return 'ok';
      });
      app.addHook('onClose', async () => {
        if (redis.isOpen) redis.destroy();
      });
    }

    const opts = {
      config: { public: true },
      schema: { tags: ['ops'], hide: false },
      logLevel: 'warn',
    } as const;
    app.get('/health/live', opts, async () => ({ status: 'ok' }));
    app.get('/health/ready', opts, async (_req, reply) => {
      const names = [...checks.keys()];
      const results = await Promise.all(names.map((n) => withTimeout(checks.get(n)!)));
      const ready = results.every((r) => r.ok);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unavailable',
        checks: Object.fromEntries(names.map((n, i) => [n, results[i]])),
      });
    });
  },
  { name: 'health', dependencies: ['db'] },
);
