/**
 * `pnpm backup [file.tar]`: a consistent snapshot of the database and DATA_DIR's files (snapshot.ts). On PostgreSQL
 * the platform may keep running (one repeatable-read transaction); stop the node first on the embedded database,
 * which one process at a time may open. Default file: ./consult-backup-<time>.tar in the directory it was run from.
 */
import path from 'node:path';
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { writeArchive } from './snapshot';
import { runCli, userPath } from './run';

runCli(async () => {
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = userPath(process.argv[2] ?? `consult-backup-${stamp}.tar`);
  const dbh = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  try {
    const m = await writeArchive({ db: dbh.db, dialect: dbh.dialect, dataDir: config.dataDir, out });
    const rows = Object.values(m.tables).reduce((n, t) => n + t.rows, 0);
    console.log(
      `backup written: ${path.resolve(out)} (${dbh.dialect}: ${Object.keys(m.tables).length} tables, ${rows} rows; ` +
        `${Object.keys(m.files).length} files)`,
    );
  } finally {
    await dbh.close();
  }
});
