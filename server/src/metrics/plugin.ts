import crypto from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config';
import { poolOf } from '../db/connect';
import { DataVersion } from '../db/data-version';
import { readAuditBacklog } from '../consultations/read-audit';
import { listPageCacheStats } from '../consultations/list-page-cache';
import { sessionCacheStats } from '../auth/session-cache';
import { errorBody } from '../errors';
import { observeIngest } from '../imaging/ingest-timing';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: capabilities add their gauges (see ./sfu.ts). */
    metrics: Registry;
  }
}

/** STOW-RS and the browser upload: the routes whose bytes count as imaging ingest. */
const STOW_ROUTES = new Set(['/dicomweb/studies', '/dicomweb/studies/:study', '/api/imaging/instances']);

/**
 * /metrics may be read with `Authorization: Bearer $METRICS_TOKEN`, or without a token over loopback from a
 * direct connection (a request a reverse proxy forwarded carries X-Forwarded-For and needs the token: otherwise a
 * proxy on the same host would publish the metrics). The socket's address is used, never the forwarded one.
 */
export function metricsAllowed(req: FastifyRequest, token: string | null): boolean {
  const auth = req.headers.authorization;
  if (token && typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const sent = Buffer.from(auth.slice(7));
    const want = Buffer.from(token);
    return sent.length === want.length && crypto.timingSafeEqual(sent, want);
  }
  const peer = req.raw.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  return loopback && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
}

/**
 * Prometheus metrics (prom-client) at GET /metrics: process/runtime defaults, request latency by route, the
 * PostgreSQL pool, socket.io connections, STOW ingest (bytes, requests, where an instance's time goes, the group
 * commit's batches), and the audit chain's lag (read audits not yet committed).
 * Rounds and consumers come from the SFU (./sfu.ts). One registry per app, so several apps in one process
 * (the tests) do not collide.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const registry = new Registry();
    app.decorate('metrics', registry);
    collectDefaultMetrics({ register: registry });

    const latency = new Histogram({
      name: 'consult_http_request_duration_seconds',
      help: 'HTTP request latency by route template, method and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    const stowBytes = new Counter({
      name: 'consult_stow_bytes_total',
      help: 'DICOM bytes received by STOW-RS and the browser upload (rate() gives the ingest throughput)',
      labelNames: ['status'] as const,
      registers: [registry],
    });
    const stowRequests = new Counter({
      name: 'consult_stow_requests_total',
      help: 'STOW-RS and upload requests by status code',
      labelNames: ['status'] as const,
      registers: [registry],
    });
    app.addHook('onResponse', async (req, reply) => {
      // Unmatched URLs share one label: a scan of random paths must not grow the series without bound.
      const route = req.routeOptions.url ?? 'unmatched';
      const status = String(reply.statusCode);
      latency.observe({ method: req.method, route, status }, reply.elapsedTime / 1000);
      if (req.method === 'POST' && STOW_ROUTES.has(route)) {
        stowRequests.inc({ status });
        const len = Number(req.headers['content-length'] ?? 0);
        if (Number.isFinite(len) && len > 0) stowBytes.inc({ status }, len);
      }
    });

    // Where ingest time goes (imaging/ingest-timing.ts): a slow disk shows in file_sync and blob_place, a busy
    // database in identity_lock and index_write, a saturated group commit in queued.
    const stages = new Histogram({
      name: 'consult_ingest_stage_seconds',
      help: 'time an instance spends in each stage of ingest (file_sync, queued, transaction; within the transaction identity_lock, index_write, blob_place)',
      labelNames: ['stage'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    });
    const batches = new Histogram({
      name: 'consult_ingest_batch_instances',
      help: 'instances per group-commit transaction of the index',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    });
    const unobserve = observeIngest(app.db, {
      stage: (stage, seconds) => stages.observe({ stage }, seconds),
      batch: (n) => batches.observe(n),
    });
    app.addHook('onClose', async () => unobserve());

    const pool = poolOf(app.db);
    new Gauge({
      name: 'consult_db_pool_connections',
      help: 'PostgreSQL pool connections by state (absent on the embedded database)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        if (!pool) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    new Gauge({
      name: 'consult_socketio_connections',
      help: 'socket.io connections on this node',
      registers: [registry],
      collect() {
        this.set(app.hasDecorator('io') ? app.io.of('/').sockets.size : 0);
      },
    });
    /** What was answered from memory and what was read from the database, since start. */
    const bySource = (name: string, help: string, stats: () => { hits: number; reads: number }) =>
      new Gauge({
        name,
        help,
        labelNames: ['source'] as const,
        registers: [registry],
        collect() {
          const s = stats();
          this.set({ source: 'memory' }, s.hits);
          this.set({ source: 'database' }, s.reads);
        },
      });
    bySource(
      'consult_list_pages_answered',
      'consultation list pages answered since start, from memory or read from the database',
      listPageCacheStats,
    );
    bySource(
      'consult_sessions_resolved',
      'signed-in requests whose session was resolved since start, from memory or read from the database',
      sessionCacheStats,
    );
    new Gauge({
      name: 'consult_list_version_known',
      help: '1 while this node hears the list data version (pages may be answered from memory), else 0',
      registers: [registry],
      collect() {
        this.set(DataVersion.of(app.db, 'list')?.current() != null ? 1 : 0);
      },
    });
    new Gauge({
      name: 'consult_audit_pending_entries',
      help: 'read audits queued for their group commit, not yet in the hash chain',
      registers: [registry],
      collect() {
        this.set(readAuditBacklog(app.db).entries);
      },
    });
    new Gauge({
      name: 'consult_audit_chain_lag_seconds',
      help: 'age of the oldest read audit not yet committed to the hash chain (0 when none waits)',
      registers: [registry],
      collect() {
        this.set(readAuditBacklog(app.db).oldestMs / 1000);
      },
    });

    app.get(
      '/metrics',
      { config: { public: true }, schema: { hide: true }, logLevel: 'warn' },
      async (req, reply) => {
        if (!metricsAllowed(req, config.metricsToken)) {
          return reply
            .code(403)
            .send(
              errorBody(
                'forbidden',
                'metrics: send Authorization: Bearer <METRICS_TOKEN>, or ask from loopback',
              ),
            );
        }
        return reply.type(registry.contentType).send(await registry.metrics());
      },
    );
  },
  { name: 'metrics', dependencies: ['db'] },
);
