import fp from 'fastify-plugin';
import type { DB } from '../db/database';
import { flushReadAudits, setReadAuditLog } from '../consultations/read-audit';

declare module 'fastify' {
  interface FastifyInstance {
    db: DB;
  }
}

/** How long a shutdown waits for queued read audits to reach an unreachable database before logging them. */
const READ_AUDIT_FLUSH_GRACE_MS = 10_000;

/**
 * Makes the Kysely instance available to every capability as `app.db`. The owner closes it, after app.close():
 * closing the app first appends every read audit still queued (consultations/read-audit.ts).
 */
export default fp<{ db: DB }>(
  async (app, opts) => {
    app.decorate('db', opts.db);
    setReadAuditLog(opts.db, app.log);
    app.addHook('onClose', async () => {
      await flushReadAudits(opts.db, READ_AUDIT_FLUSH_GRACE_MS);
    });
  },
  { name: 'db' },
);
