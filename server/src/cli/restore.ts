/**
 * `pnpm restore <file.tar>`: restore a snapshot (pnpm backup) into a FRESH target: DATA_DIR absent or empty, and a
 * database without data (a new embedded database in DATA_DIR, or an empty PostgreSQL schema / database). The
 * archive is checked completely first; the rows load in one transaction and the files appear in DATA_DIR only
 * when everything succeeded, so a failed restore leaves nothing half-restored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { migrateToLatest, openDatabase } from '../db/connect';
import { assertEmptyDataDir, loadDatabase, SnapshotError, unpackArchive } from './snapshot';
import { nonEmptyTables } from './snapshot-queries';
import { runCli, userPath } from './run';

runCli(async () => {
  const config = loadConfig();
  const archive = process.argv[2];
  if (!archive) throw new SnapshotError('usage: pnpm restore <backup.tar>');
  const dataDir = path.resolve(config.dataDir);
  assertEmptyDataDir(dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  // Built beside DATA_DIR and renamed into place at the end.
  const stage = fs.mkdtempSync(`${dataDir}.restoring-`);
  try {
    const m = unpackArchive(userPath(archive), stage);
    const newData = path.join(stage, 'files');
    fs.mkdirSync(newData, { recursive: true });
    const dbh = await openDatabase({
      databaseUrl: config.databaseUrl,
      schema: config.databaseSchema,
      dataDir: newData,
    });
    try {
      await migrateToLatest(dbh.db);
      const busy = await nonEmptyTables(dbh.db);
      if (busy.length) {
        throw new SnapshotError(
          `the target database already has data (${busy.join(', ')}); restore into an empty one`,
        );
      }
      await loadDatabase(dbh.db, stage, m);
    } finally {
      await dbh.close();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.renameSync(newData, dataDir);
    const rows = Object.values(m.tables).reduce((n, t) => n + t.rows, 0);
    console.log(
      `restored ${rows} rows and ${Object.keys(m.files).length} files (snapshot of ${m.createdAt}, ${m.dialect}) ` +
        `into ${config.databaseUrl ? 'PostgreSQL' : 'the embedded database'} and ${dataDir}`,
    );
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
});
