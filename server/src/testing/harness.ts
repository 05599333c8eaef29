/**
 * Test harness: a real app on a real database. `dialect` picks embedded PGlite (in memory) or the PostgreSQL
 * server at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) in a fresh schema that is
 * dropped afterwards, so runs never collide.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { sql } from 'kysely';
import { CSRF_HEADER, SESSION_COOKIE } from '@consult/shared';
import { loadConfig, type Config } from '../config';
import { migrateToLatest, openDatabase, type DbHandle } from '../db/connect';
import { buildApp } from '../app';
import { seedDemo, DEMO_PASSWORD } from '../seed/demo';
import { startServer, type Running } from '../server';

export type Dialect = 'pglite' | 'postgres';

/** The migrated PGlite template written by global-setup.ts (absent when a file runs outside that config). */
export const PGLITE_TEMPLATE_FILE = path.join(
  os.tmpdir(),
  `consult-pglite-template-${process.env.PGLITE_TEMPLATE_KEY ?? 'dev'}.tar`,
);
let templateBlob: Blob | null | undefined;
function pgliteTemplate(): Blob | null {
  if (templateBlob === undefined) {
    templateBlob = fs.existsSync(PGLITE_TEMPLATE_FILE)
      ? new Blob([fs.readFileSync(PGLITE_TEMPLATE_FILE)])
      : null;
  }
  return templateBlob;
}
export const DIALECTS: Dialect[] = ['pglite', 'postgres'];
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export { DEMO_PASSWORD };

export const freshSchema = () => `t_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end();
  }
}

/** A fresh temporary DATA_DIR (blobs, keys, recordings); removed by the caller's close(). */
export const tempDataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'consult-test-'));

/**
 * This test file's own Redis namespace (vitest loads this module once per file): servers started by one file
 * share events and sync state; files running in parallel on the same Redis never see each other's.
 */
export const TEST_REDIS_PREFIX = `test-${crypto.randomUUID()}`;

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ LOG_LEVEL: 'silent', MFA_REQUIRED_ROLES: '' }),
    redisKeyPrefix: TEST_REDIS_PREFIX,
    port: 0,
    // PUBLIC_URL left to its default: the origin the server actually listens on (port 0 → the chosen port).
    publicUrl: 'http://127.0.0.1:0',
    seedDemo: true,
    seedDemoCases: false,
    dataDir: tempDataDir(),
    ...overrides,
  };
}

/**
 * Run `statement` past the server under test, as another server (or an operator's SQL) would: on PostgreSQL over a
 * connection of its own to `schema`, on the embedded database through the only connection there is.
 */
export async function writePast(db: DbHandle['db'], schema: string | null, statement: string): Promise<void> {
  if (schema === null) return void (await sql.raw(statement).execute(db));
  const other = new pg.Client({ connectionString: PG_URL, options: `-c search_path="${schema}"` });
  await other.connect();
  await other.query(statement).finally(() => other.end());
}

export interface TestDb {
  dbh: DbHandle;
  schema: string | null;
  close(): Promise<void>;
}

export async function openTestDb(dialect: Dialect): Promise<TestDb> {
  const schema = dialect === 'postgres' ? freshSchema() : null;
  const dbh = await openDatabase({
    databaseUrl: dialect === 'postgres' ? PG_URL : null,
    schema,
    dataDir: null,
    pgliteTemplate: dialect === 'pglite' ? pgliteTemplate() : null,
  });
  await migrateToLatest(dbh.db);
  return {
    dbh,
    schema,
    close: async () => {
      await dbh.close();
      if (schema) await dropSchema(schema);
    },
  };
}

export interface Session {
  username: string;
  cookie: string;
  csrf: string;
  userId: string;
  hospitalId: string | null;
}

export interface TestApp {
  app: FastifyInstance;
  db: DbHandle['db'];
  config: Config;
  /** Sign in a (demo) user; returns the cookie + CSRF token to send. */
  login(username: string, password?: string): Promise<Session>;
  /** inject() as a session: sets the cookie and, for unsafe methods, the CSRF header. */
  as(s: Session | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function makeTestApp(
  dialect: Dialect = 'pglite',
  overrides: Partial<Config> = {},
): Promise<TestApp> {
  const tdb = await openTestDb(dialect);
  const config = testConfig(overrides);
  await seedDemo(tdb.dbh.db);
  const app = await buildApp({ config, db: tdb.dbh.db, logger: false });
  await app.ready();
  const { login, as } = injectHelpers(app);
  return {
    app,
    db: tdb.dbh.db,
    config,
    login,
    as,
    close: async () => {
      await app.close();
      await tdb.close();
      if (!overrides.dataDir) fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

/** Sign in and inject() as a session, against any built app (in-process or listening). */
export function injectHelpers(app: FastifyInstance): Pick<TestApp, 'login' | 'as'> {
  const login = async (username: string, password = DEMO_PASSWORD): Promise<Session> => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!;
    const me = res.json() as { id: string; csrfToken: string; hospital: { id: string } | null };
    return {
      username,
      cookie: cookie.value,
      csrf: me.csrfToken,
      userId: me.id,
      hospitalId: me.hospital?.id ?? null,
    };
  };
  const as = (s: Session | null, opts: InjectOptions) => {
    const method = (opts.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (s && !['GET', 'HEAD', 'OPTIONS'].includes(method)) headers[CSRF_HEADER] = s.csrf;
    return app.inject({ ...opts, headers, ...(s ? { cookies: { [SESSION_COOKIE]: s.cookie } } : {}) });
  };
  return { login, as };
}

/** A real listening server on 127.0.0.1 and a random port (for socket.io and browser tests). */
export async function startTestServer(
  dialect: Dialect = 'pglite',
  overrides: Partial<Config> = {},
  /** Pino options (e.g. a stream capturing the log); none by default. */
  logger: false | object = false,
): Promise<Running & { schema: string | null; config: Config }> {
  const schema = dialect === 'postgres' ? (overrides.databaseSchema ?? freshSchema()) : null;
  const config = testConfig({
    host: '127.0.0.1',
    databaseUrl: dialect === 'postgres' ? PG_URL : null,
    databaseSchema: schema,
    ...overrides,
  });
  const running = await startServer(config, {
    logger,
    pgliteTemplate: dialect === 'pglite' ? pgliteTemplate() : null,
  });
  return {
    ...running,
    config,
    schema,
    close: async () => {
      await running.close();
      if (schema && !overrides.databaseSchema) await dropSchema(schema);
      if (!overrides.dataDir) fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

/** Look up a demo hospital's id by its English name prefix. */
export async function hospitalId(db: TestApp['db'], nameEnPrefix: string): Promise<string> {
  const row = await db
    .selectFrom('hospitals')
    .select('id')
    .where('name_en', 'like', `${nameEnPrefix}%`)
    .executeTakeFirstOrThrow();
  return row.id;
}
