/**
 * `pnpm migrate-embedded-to-postgres`: copy the embedded database (DATA_DIR/pglite) into the PostgreSQL server at
 * DATABASE_URL (and DATABASE_SCHEMA), which must hold no platform data yet. Stop the node first. The files in
 * DATA_DIR stay where they are; the embedded database is left untouched (delete DATA_DIR/pglite once the platform
 * runs on PostgreSQL). Afterwards start with DATABASE_URL set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { migrateToLatest, openDatabase } from '../db/connect';
import { dumpDatabase, loadDatabase, SnapshotError, checkDump, FORMAT, type Manifest } from './snapshot';
import { nonEmptyTables } from './snapshot-queries';
import { runCli } from './run';

runCli(async () => {
  const config = loadConfig();
  if (!config.databaseUrl)
    throw new SnapshotError('set DATABASE_URL to the PostgreSQL server to move the data to');
  if (!fs.existsSync(path.join(config.dataDir, 'pglite', 'PG_VERSION'))) {
    throw new SnapshotError(`no embedded database in ${path.resolve(config.dataDir)}/pglite`);
  }
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-migrate-'));
  try {
    const src = await openDatabase({ databaseUrl: null, dataDir: config.dataDir });
    let part;
    try {
      // Bring the embedded database to this version first, so both sides have the same tables.
      await migrateToLatest(src.db);
      part = await dumpDatabase(src.db, stage);
    } finally {
      await src.close();
    }
    const manifest: Manifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      dialect: 'pglite' as const,
      ...part,
      files: {},
    };
    checkDump(stage, manifest);
    const dst = await openDatabase({
      databaseUrl: config.databaseUrl,
      schema: config.databaseSchema,
      dataDir: null,
    });
    try {
      await migrateToLatest(dst.db);
      const busy = await nonEmptyTables(dst.db);
      if (busy.length) {
        throw new SnapshotError(
          `the PostgreSQL target already has data (${busy.join(', ')}); use an empty database or schema`,
        );
      }
      await loadDatabase(dst.db, stage, manifest);
    } finally {
      await dst.close();
    }
    const rows = Object.values(part.tables).reduce((n, t) => n + t.rows, 0);
    console.log(
      `moved ${rows} rows of ${Object.keys(part.tables).length} tables to PostgreSQL` +
        `${config.databaseSchema ? ` (schema ${config.databaseSchema})` : ''}. Start the platform with DATABASE_URL set; ` +
        `${path.resolve(config.dataDir)}/pglite is no longer used.`,
    );
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
});
