import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { migrateToLatest, openDatabase, type DbHandle } from './db/connect';
import { buildApp } from './app';
import { seedDemo } from './seed/demo';
import { seedDemoCases, type DemoCasesResult } from './seed/demo-cases';

export interface Running {
  app: FastifyInstance;
  dbh: DbHandle;
  url: string;
  seeded: boolean;
  /** The demo caseload seeded on this start (only with the demo network, when SEED_DEMO_CASES allows), or null. */
  demoCases: DemoCasesResult | null;
  close(): Promise<void>;
}

/** Open the database, migrate, optionally seed, build the app and listen. Used by main.ts and the tests. */
export async function startServer(
  config: Config,
  opts: { logger?: boolean | object; pgliteTemplate?: Blob | null } = {},
): Promise<Running> {
  let logTo: FastifyInstance | null = null;
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
    pgliteBuffersMb: config.embeddedDbBuffersMb,
    pgliteTemplate: opts.pgliteTemplate ?? null,
    // A lost connection is not a crash: the request that needed it answers 503 and the pool reconnects.
    onConnectionError: (err) => logTo?.log.warn({ err }, 'database connection lost'),
  });
  try {
    await migrateToLatest(dbh.db);
    const seeded = config.seedDemo ? await seedDemo(dbh.db) : false;
    const app = await buildApp({
      config,
      db: dbh.db,
      ...(opts.logger !== undefined && { logger: opts.logger }),
    });
    logTo = app;
    let demoCases: DemoCasesResult | null = null;
    if (seeded && config.seedDemoCases) {
      await app.ready();
      try {
        demoCases = await seedDemoCases({ db: dbh.db, io: app.io, config });
      } catch (err) {
        // Demo data is a convenience: the platform still starts, and says why the worklists are empty.
        app.log.error({ err }, 'the demo caseload could not be seeded');
      }
    }
    await app.listen({ port: config.port, host: config.host });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let closed = false;
    return {
      app,
      dbh,
      url: `http://${host}:${port}`,
      seeded,
      demoCases,
      close: async () => {
        if (closed) return;
        closed = true;
        // In-flight requests finish first, then the database closes.
        await app.close();
        await dbh.close();
      },
    };
  } catch (err) {
    await dbh.close();
    throw err;
  }
}
