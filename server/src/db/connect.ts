import crypto from 'node:crypto';
import {
  Kysely,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import pg from 'pg';
import type { Database } from './database';
import { pgListen, type Listen } from './listen';
import { migrations } from './migrations/index';

export interface DbOptions {
  /** postgres:// URL; null → embedded PGlite under `dataDir/pglite` (or in memory when dataDir is null). */
  databaseUrl: string | null;
  /** Schema to create and use (search_path) on PostgreSQL. */
  schema?: string | null;
  dataDir: string | null;
  /** PGlite only: shared_buffers in MB (default 16; see Config.embeddedDbBuffersMb). */
  pgliteBuffersMb?: number;
  /**
   * PGlite only: start from this data-directory tarball (PGlite `dumpDataDir`) instead of running initdb, when the
   * directory is new. Tests use a migrated template to skip initdb, which is most of PGlite's start-up time.
   */
  pgliteTemplate?: Blob | null;
  /** PostgreSQL only: told about connection errors of pooled clients (logged by the server; never thrown). */
  onConnectionError?: (err: Error) => void;
}

export interface DbHandle {
  db: Kysely<Database>;
  dialect: 'postgres' | 'pglite';
  close(): Promise<void>;
}

// int8 (count(*), sums) arrives as text from pg; parse it, the values we count fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
// `date` columns stay 'YYYY-MM-DD' text instead of a local-midnight Date.
pg.types.setTypeParser(1082, (v) => v);

/**
 * Marks a statement to run as a named prepared statement, on PostgreSQL (planned once per connection, values always
 * bound) and on PGlite (./pglite-prepared.ts). Only hot statements whose text is stable opt in (a statement's text
 * must not depend on the values, or each connection would keep one statement per variant); everything else stays an
 * unnamed statement.
 */
export const PREPARED = '/*prepared*/';

type Query = (...args: unknown[]) => unknown;
/** Route the PREPARED statements of a pool client through named prepared statements (pg caches them per client). */
function prepareMarked(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (cfg: unknown, values?: unknown, cb?: unknown) =>
    typeof cfg === 'string' && cfg.includes(PREPARED) && Array.isArray(values)
      ? query({ name: `p_${crypto.createHash('sha1').update(cfg).digest('hex')}`, text: cfg, values }, cb)
      : query(cfg, values, cb);
}

/**
 * The pool's connection string and server `options`, with the schema's search_path added to any `options` the URL
 * carries (`?options=-c …`). node-postgres lets the URL's `options` replace the pool's, which would silently drop
 * the search_path: every table would be created and used in `public` instead of DATABASE_SCHEMA.
 */
export function withSchemaPath(
  databaseUrl: string,
  schema: string | null,
): { connectionString: string; options?: string } {
  if (!schema) return { connectionString: databaseUrl };
  const searchPath = `-c search_path="${schema}",public`;
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return { connectionString: databaseUrl, options: searchPath };
  }
  const own = url.searchParams.get('options');
  url.searchParams.delete('options');
  return { connectionString: url.toString(), options: own ? `${own} ${searchPath}` : searchPath };
}

const pools = new WeakMap<Kysely<Database>, pg.Pool>();
/** The pg pool behind a PostgreSQL handle's Kysely instance (null on PGlite), for the pool metrics. */
export const poolOf = (db: Kysely<Database>): pg.Pool | null => pools.get(db) ?? null;

const listens = new WeakMap<Kysely<Database>, Listen>();
/** LISTEN on the database behind a handle's Kysely instance (./listen.ts); null for one not opened here. */
export const listenOf = (db: Kysely<Database>): Listen | null => listens.get(db) ?? null;

export async function openDatabase(opts: DbOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const schema = opts.schema ?? null;
    if (schema) {
      // Create the schema with a short-lived client so the pool's search_path can point at it.
      const c = new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 3000 });
      c.on('error', () => {
        /* surfaces as the failure of the query or of end() below */
      });
      await c.connect();
      try {
        await c.query(`create schema if not exists "${schema}"`);
      } finally {
        await c.end();
      }
    }
    const pool = new pg.Pool({
      ...withSchemaPath(opts.databaseUrl, schema),
      max: 10,
      // A dead database must answer 503 quickly, never hang a request.
      connectionTimeoutMillis: 2000,
      statement_timeout: 15000,
    });
    // A restart of PostgreSQL terminates every backend (57P01 "terminating connection due to administrator
    // command"); each pg client then emits 'error'. The pool listens on IDLE clients only, so a client that is
    // checked out between two queries (inside a transaction, awaiting other work) would emit it with no listener
    // and kill the process. Every client gets a permanent listener: the error marks it unqueryable, its next
    // query fails (→ 503, see errors.ts) and the pool discards it on release, so the pool heals by itself.
    const onClientError = (err: Error) => opts.onConnectionError?.(err);
    pool.on('error', onClientError);
    pool.on('connect', (client) => {
      client.on('error', onClientError);
      prepareMarked(client);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    listens.set(db, pgListen(withSchemaPath(opts.databaseUrl, schema), schema ?? 'public'));
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  // The embedded database's code (PGlite: ~1 MB of JavaScript and its WebAssembly) loads only when it is used.
  const { openEmbedded } = await import('./embedded');
  const { db, listen } = await openEmbedded(opts);
  listens.set(db, listen);
  return { db, dialect: 'pglite', close: () => db.destroy() };
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  // Name the schema of the bookkeeping tables: without it Kysely looks for kysely_migration(_lock) in EVERY schema
  // and, finding another run's, skips creating ours ("relation kysely_migration_lock does not exist").
  const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
  const schema = rows[0]?.s ?? 'public';
  // A start on an up-to-date database (every start but the first after an upgrade) only reads the applied names:
  // no bookkeeping DDL, no lock, no migrator.
  if (await allApplied(db)) return { results: [] };
  const migrator = new Migrator({
    db: withOwnSchemaIntrospection(db, schema),
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  const res = await migrator.migrateToLatest();
  if (res.error) {
    const failed = res.results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(res.error)}`, {
      cause: res.error,
    });
  }
  return res;
}

/** Whether every migration this version knows is recorded in the current schema's kysely_migration. */
async function allApplied(db: Kysely<Database>): Promise<boolean> {
  const { rows: t } = await sql<{
    r: string | null;
  }>`select to_regclass('kysely_migration')::text as r`.execute(db);
  if (!t[0]?.r) return false;
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((r) => r.name));
  return Object.keys(migrations).every((n) => applied.has(n));
}

/**
 * The migrator asks the introspector only whether its schema and its two bookkeeping tables exist. Kysely's own
 * introspector answers by reading every column of every schema (pg_get_serial_sequence per column), which fails
 * with 3F000/42P01 when another schema on a shared server is dropped meanwhile; this one reads the catalog of our
 * schema only, by name, with no function over other schemas' objects.
 */
function withOwnSchemaIntrospection(db: Kysely<Database>, schema: string): Kysely<Database> {
  const introspection: DatabaseIntrospector = {
    getSchemas: async () =>
      (await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace`.execute(db)).rows,
    getTables: async () => {
      const { rows } = await sql<{ name: string; kind: string }>`
        select c.relname as name, c.relkind as kind from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(db);
      return rows.map((r): TableMetadata => ({
        name: r.name,
        schema,
        isView: r.kind === 'v',
        isForeign: false,
        columns: [],
      }));
    },
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      const v: unknown = Reflect.get(target, prop, target);
      // Kysely keeps its state in private fields: methods must run on the real instance.
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Cheap liveness probe used by /api/health. */
export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
