import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { DB } from '../db/database';
import { flushReadAudits, setReadAuditLog } from '../consultations/read-audit';
import { DataVersion, type VersionName } from '../db/data-version';
import { SAFE_METHODS } from '../auth/plugin';

declare module 'fastify' {
  interface FastifyInstance {
    db: DB;
  }
  interface FastifyContextConfig {
    /**
     * The data versions (db/data-version.ts) a request of this route can move, when that is fewer than all: the
     * fences of the others stay where they are, so what is kept under them is still answered from memory. Said
     * only by routes whose writes never touch the other versions' tables (STOW-RS writes imaging and audit rows
     * only, and moves none; tested in auth/session-cache.test.ts).
     */
    movesVersions?: readonly VersionName[];
  }
}

/** How long a shutdown waits for queued read audits to reach an unreachable database before logging them. */
const READ_AUDIT_FLUSH_GRACE_MS = 10_000;

/**
 * Makes the Kysely instance available to every capability as `app.db`. The owner closes it, after app.close():
 * closing the app first appends every read audit still queued (consultations/read-audit.ts). Listens for the data
 * versions of what is answered from memory (list pages, sessions), and moves their fences when a request that may
 * change data starts and once it has been answered, so its sender's next request reads fresh data
 * (db/data-version.ts).
 */
export default fp<{ db: DB; listPageCache: boolean; sessionCache: boolean }>(
  async (app, opts) => {
    app.decorate('db', opts.db);
    setReadAuditLog(opts.db, app.log);
    const versions: DataVersion[] = [];
    if (opts.listPageCache) versions.push(await DataVersion.start(opts.db, 'list'));
    if (opts.sessionCache) versions.push(await DataVersion.start(opts.db, 'auth'));
    if (versions.length) {
      const fence = async (req: FastifyRequest) => {
        if (SAFE_METHODS.has(req.method)) return;
        const moves = req.routeOptions.config.movesVersions;
        for (const v of versions) if (!moves || moves.includes(v.name)) v.localWrite();
      };
      app.addHook('onRequest', fence);
      app.addHook('onResponse', fence);
    }
    app.addHook('onClose', async () => {
      await flushReadAudits(opts.db, READ_AUDIT_FLUSH_GRACE_MS);
      for (const v of versions) await v.stop();
    });
  },
  { name: 'db' },
);
