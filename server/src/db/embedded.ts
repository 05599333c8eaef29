/**
 * The embedded database (PGlite: PostgreSQL 17 compiled to WebAssembly, in this process), opened by connect.ts
 * `openDatabase` when no DATABASE_URL is set. A module of its own, imported only then, so a server on PostgreSQL
 * never loads PGlite's code (issue 14's idle footprint).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './database';
import { PREPARED, type DbOptions } from './connect';
import { withPreparedStatements } from './pglite-prepared';
import { DURABLE_START_PARAMS, DurableNodeFS, stopOnPanic, syncTree } from './pglite-durable';
import { pgliteListen, type Listen } from './listen';
import type { InitdbJob } from './initdb-process';

/** Open PGlite under `dataDir/pglite` (or in memory when dataDir is null). */
export async function openEmbedded(opts: DbOptions): Promise<{ db: Kysely<Database>; listen: Listen }> {
  let dir: string | undefined;
  let fresh = true;
  if (opts.dataDir) {
    dir = path.join(opts.dataDir, 'pglite');
    fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
    fs.mkdirSync(dir, { recursive: true });
  }
  const options = {
    ...(fresh && opts.pgliteTemplate ? { loadDataDir: opts.pgliteTemplate } : {}),
    startParams: [
      ...PGlite.defaultStartParams,
      ...pgliteMemory(opts.pgliteBuffersMb ?? 16),
      // On disk, what a commit wrote is synced before it answers (pglite-durable.ts); in memory there is no disk.
      ...(dir ? DURABLE_START_PARAMS : []),
    ],
  };
  // A new database on disk is made by a process of its own, which gives back the memory initdb took
  // (initdb-process.ts).
  if (dir && fresh && !opts.pgliteTemplate) await initialiseApart({ dir, startParams: options.startParams });
  const pglite = dir ? new PGlite({ ...options, fs: new DurableNodeFS(dir) }) : new PGlite(options);
  await pglite.waitReady;
  // A new database's files were written with fsync off (initdb, or the template's copy): synced once, now.
  if (dir && fresh) syncTree(dir);
  // The dialect calls only `query` and `close` of the client it is given.
  const client = withPreparedStatements(pglite, PREPARED, stopOnPanic) as PGlite;
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return { db, listen: pgliteListen(pglite) };
}

/** New embedded databases this process had initialised by a process of their own (initialiseApart; tests). */
export const embeddedInitStats = { apart: 0 };

/** Run initdb-process.ts on `job.dir` in a process of its own; resolves once the database is made there. */
async function initialiseApart(job: InitdbJob): Promise<void> {
  embeddedInitStats.apart++;
  // From source the entry is initdb-process-entry.mjs beside this file; in the bundle, the entry built next to it.
  const child = fork(
    fileURLToPath(new URL('./initdb-process-entry.mjs', import.meta.url)),
    [JSON.stringify(job)],
    {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code === 0) return;
  const why = err.trim().split('\n').at(-1)?.trim() || `initdb exited ${code}`;
  throw new Error(`the embedded database could not be initialised in ${job.dir}: ${why}`);
}

/**
 * PostgreSQL memory settings for the embedded database. Its WebAssembly memory only grows, so whatever PostgreSQL
 * touches once stays resident: shared buffers (PostgreSQL's default 128 MB was ~120 MB of the idle RSS) and the
 * maintenance memory a migration's CREATE INDEX uses. The data files go through the operating system's page cache.
 */
const pgliteMemory = (buffersMb: number): string[] => [
  '-c',
  `shared_buffers=${buffersMb}MB`,
  '-c',
  'maintenance_work_mem=16MB',
  '-c',
  'temp_buffers=2MB',
];
