import fp from 'fastify-plugin';
import type { DB } from '../db/database';
import { flushReadAudits, setReadAuditLog } from '../consultations/read-audit';
import { ListVersion } from '../db/list-version';
import { SAFE_METHODS } from '../auth/plugin';

declare module 'fastify' {
  interface FastifyInstance {
    db: DB;
  }
}

/** How long a shutdown waits for queued read audits to reach an unreachable database before logging them. */
const READ_AUDIT_FLUSH_GRACE_MS = 10_000;

/**
 * Makes the Kysely instance available to every capability as `app.db`. The owner closes it, after app.close():
 * closing the app first appends every read audit still queued (consultations/read-audit.ts). Listens for the list's
 * data version, and moves its fence when a request that may change data starts and once it has been answered, so
 * its sender's next list is read fresh (db/list-version.ts).
 */
export default fp<{ db: DB; listPageCache: boolean }>(
  async (app, opts) => {
    app.decorate('db', opts.db);
    setReadAuditLog(opts.db, app.log);
    const listVersion = opts.listPageCache ? await ListVersion.start(opts.db) : null;
    if (listVersion) {
      const fence = async (req: { method: string }) => {
        if (!SAFE_METHODS.has(req.method)) listVersion.localWrite();
      };
      app.addHook('onRequest', fence);
      app.addHook('onResponse', fence);
    }
    app.addHook('onClose', async () => {
      await flushReadAudits(opts.db, READ_AUDIT_FLUSH_GRACE_MS);
      await listVersion?.stop();
    });
  },
  { name: 'db' },
);
