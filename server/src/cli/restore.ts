/**
 * `pnpm restore <file.tar>`: restore a snapshot (pnpm backup) into a FRESH target: DATA_DIR absent or empty, and a
 * database without data (a new embedded database in DATA_DIR, or an empty PostgreSQL schema / database). The
 * archive is checked completely first; the rows load in one transaction and the files appear in DATA_DIR only
 * when everything succeeded, so a failed restore leaves nothing half-restored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { storageDirOf } from '../ops-config';
import { migrateToLatest, openDatabase } from '../db/connect';
import { assertEmptyDataDir, loadDatabase, SnapshotError, unpackArchive } from './snapshot';
import { nonEmptyTables } from './snapshot-queries';
import { runCli, userPath } from './run';

runCli(async () => {
  const config = loadConfig();
  const archive = process.argv[2];
  if (!archive) throw new SnapshotError('usage: pnpm restore <backup.tar>');
  const dataDir = path.resolve(config.dataDir);
  const storageDir = path.resolve(storageDirOf(config));
  assertEmptyDataDir(dataDir);
  if (storageDir !== dataDir) assertEmptyDataDir(storageDir);
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
    if (storageDir !== dataDir) {
      // The files go to the storage directory; the node-local DATA_DIR keeps the embedded database (if any).
      const nodeData = path.join(stage, 'node');
      fs.mkdirSync(nodeData);
      if (fs.existsSync(path.join(newData, 'pglite')))
        fs.renameSync(path.join(newData, 'pglite'), path.join(nodeData, 'pglite'));
      moveDir(newData, storageDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.renameSync(nodeData, dataDir);
    } else {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.renameSync(newData, dataDir);
    }
    const rows = Object.values(m.tables).reduce((n, t) => n + t.rows, 0);
    console.log(
      `restored ${rows} rows and ${Object.keys(m.files).length} files (snapshot of ${m.createdAt}, ${m.dialect}) ` +
        `into ${config.databaseUrl ? 'PostgreSQL' : 'the embedded database'} and ${storageDir}`,
    );
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
});

/** Rename `from` to `to` (an absent or empty directory), copying when they are on different filesystems. */
function moveDir(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    fs.cpSync(from, to, { recursive: true });
  }
}
