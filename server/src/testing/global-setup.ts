/**
 * Runs once before the server tests: builds a migrated PGlite data directory and saves it as a tarball, so each
 * test database starts from it instead of running initdb (seconds each on these machines). The file is keyed by
 * this run's pid and removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from '../db/database';
import { migrateToLatest } from '../db/connect';

export default async function setup(): Promise<() => void> {
  const key = `${process.pid}`;
  process.env.PGLITE_TEMPLATE_KEY = key;
  const file = path.join(os.tmpdir(), `consult-pglite-template-${key}.tar`);
  const pg = new PGlite();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pg) });
  await migrateToLatest(db);
  const dump = await pg.dumpDataDir('none');
  fs.writeFileSync(`${file}.tmp`, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(`${file}.tmp`, file);
  await db.destroy();
  return () => fs.rmSync(file, { force: true });
}
