/**
 * `pnpm backup [file.tar]`: a consistent snapshot of the database and the stored files (STORAGE_DIR, by default
 * DATA_DIR; snapshot.ts). On PostgreSQL
 * the platform may keep running (one repeatable-read transaction); stop the node first on the embedded database,
 * which one process at a time may open. Default file: ./consult-backup-<time>.tar in the directory it was run from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { storageDirOf } from '../ops-config';
import { openDatabase } from '../db/connect';
import { SnapshotError, writeArchive } from './snapshot';
import { hasPlatformSchema } from './snapshot-queries';
import { runCli, userPath } from './run';

runCli(async () => {
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = userPath(process.argv[2] ?? `consult-backup-${stamp}.tar`);
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pglite', 'PG_VERSION'))) {
    throw new SnapshotError(
      `no embedded database in ${path.resolve(config.dataDir)}/pglite: nothing to back up`,
    );
  }
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  try {
    if (!(await hasPlatformSchema(dbh.db))) {
      throw new SnapshotError(
        `the database${config.databaseSchema ? ` schema ${config.databaseSchema}` : ''} holds no platform data: nothing to back up`,
      );
    }
    const m = await writeArchive({ db: dbh.db, dialect: dbh.dialect, dataDir: storageDirOf(config), out });
    const rows = Object.values(m.tables).reduce((n, t) => n + t.rows, 0);
    console.log(
      `backup written: ${path.resolve(out)} (${dbh.dialect}: ${Object.keys(m.tables).length} tables, ${rows} rows; ` +
        `${Object.keys(m.files).length} files)`,
    );
  } finally {
    await dbh.close();
  }
});
