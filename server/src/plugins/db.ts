import fp from 'fastify-plugin';
import type { DB } from '../db/database';

declare module 'fastify' {
  interface FastifyInstance {
    db: DB;
  }
}

/** Makes the Kysely instance available to every capability as `app.db`. The owner closes it. */
export default fp<{ db: DB }>(
  async (app, opts) => {
    app.decorate('db', opts.db);
  },
  { name: 'db' },
);
