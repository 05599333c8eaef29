/**
 * Snapshot archives (`pnpm backup` / `pnpm restore`, and the database half of `pnpm migrate-embedded-to-postgres`).
 *
 * An archive is one tar file:
 *   manifest.json   format, time, source dialect, migrations, per table its row count and the sha256 of its file,
 *                   per data file its size
 *   db/<table>.jsonl  the table's rows, one JSON object per line (snapshot-queries.ts: one consistent snapshot)
 *   files/…         the storage directory (STORAGE_DIR, by default DATA_DIR) without the embedded database, temporary
 *                   objects and node-local work files: DICOM blobs, attachments, recordings, report PDFs. The
 *                   deployment keys are rows of the database (deployment_keys), sealed with SECRETS_KEY when it is
 *                   set: a restore then needs the same SECRETS_KEY.
 * The database is read first and the files copied after: blobs are content-addressed and written before the rows
 * that cite them, so every file the snapshot's rows reference is in the archive.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../db/database';
import { migrations as knownMigrations } from '../db/migrations/index';
import { readSnapshot, writeSnapshot } from './snapshot-queries';
import { NAMESPACES } from '../storage';

export const FORMAT = 'consult-snapshot/1' as const;

export interface Manifest {
  format: typeof FORMAT;
  createdAt: string;
  dialect: 'postgres' | 'pglite';
  migrations: string[];
  tables: Record<string, { rows: number; sha256: string }>;
  files: Record<string, number>;
}

/** A fault in what the operator asked for (bad archive, non-empty target): printed as is, exit code 2. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/**
 * Entries that are not part of a snapshot: the embedded database (dumped logically), each storage namespace's
 * temporary objects (partial uploads) and the node-local work space (recordings being written).
 */
const EXCLUDED = ['pglite', 'work', ...NAMESPACES.map((ns) => `${ns}/tmp`)];
const excluded = (rel: string) => EXCLUDED.some((e) => rel === e || rel.startsWith(`${e}/`));

const sha256File = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every regular file under `root` (relative paths, '/'-separated) with its size, minus the excluded ones. */
export function listFiles(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (excluded(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out[r] = fs.statSync(path.join(root, r)).size;
    }
  };
  if (fs.existsSync(root)) walk('');
  return out;
}

/** Dump the database into `dir/db/*.jsonl`; returns the manifest's database half. */
export async function dumpDatabase(db: DB, dir: string): Promise<Pick<Manifest, 'migrations' | 'tables'>> {
  const dbDir = path.join(dir, 'db');
  fs.mkdirSync(dbDir, { recursive: true });
  const fds = new Map<string, number>();
  const { migrations, counts } = await readSnapshot(db, async (table, rows) => {
    let fd = fds.get(table);
    if (fd === undefined) fds.set(table, (fd = fs.openSync(path.join(dbDir, `${table}.jsonl`), 'w')));
    fs.writeSync(fd, rows.map((r) => `${r}\n`).join(''));
  });
  for (const fd of fds.values()) fs.closeSync(fd);
  const tables: Manifest['tables'] = {};
  for (const [t, rows] of Object.entries(counts)) {
    const file = path.join(dbDir, `${t}.jsonl`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, '');
    tables[t] = { rows, sha256: sha256File(file) };
  }
  return { migrations, tables };
}

/** Check a dumped database against its manifest and this version's migrations, before anything is written. */
export function checkDump(dir: string, m: Manifest): void {
  if (m.format !== FORMAT) throw new SnapshotError(`not a platform snapshot (format ${String(m.format)})`);
  const known = new Set(Object.keys(knownMigrations));
  const unknown = m.migrations.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new SnapshotError(
      `the snapshot comes from a newer version (migrations ${unknown.join(', ')}); upgrade first`,
    );
  }
  for (const [t, { rows, sha256 }] of Object.entries(m.tables)) {
    const file = path.join(dir, 'db', `${t}.jsonl`);
    if (!fs.existsSync(file)) throw new SnapshotError(`the snapshot lacks the rows of table ${t}`);
    if (sha256File(file) !== sha256)
      throw new SnapshotError(`the rows of table ${t} are damaged (checksum differs)`);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    if (lines !== rows)
      throw new SnapshotError(`table ${t}: ${lines} rows in the snapshot, the manifest says ${rows}`);
  }
}

/** Load a checked dump into the migrated, empty current schema (one transaction). */
export async function loadDatabase(db: DB, dir: string, m: Manifest): Promise<void> {
  await writeSnapshot(db, async (insert) => {
    for (const t of Object.keys(m.tables)) {
      const rows = fs
        .readFileSync(path.join(dir, 'db', `${t}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean);
      if (rows.length) await insert(t, rows);
    }
  });
}

/** Write the archive: the database dump, then the storage directory's files. */
export async function writeArchive(opts: {
  db: DB;
  dialect: Manifest['dialect'];
  /** The storage directory (STORAGE_DIR, by default DATA_DIR). */
  dataDir: string;
  out: string;
}): Promise<Manifest> {
  const stage = fs.mkdtempSync(path.join(path.dirname(opts.out), '.snapshot-'));
  try {
    const dbPart = await dumpDatabase(opts.db, stage);
    const files = listFiles(opts.dataDir);
    const manifest: Manifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      dialect: opts.dialect,
      ...dbPart,
      files,
    };
    fs.writeFileSync(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 1));
    const list = path.join(stage, 'files.list');
    fs.writeFileSync(list, Object.keys(files).join('\n') + (Object.keys(files).length ? '\n' : ''));
    const partial = `${opts.out}.partial`;
    execFileSync('tar', ['-cf', partial, '-C', stage, 'manifest.json', 'db']);
    if (Object.keys(files).length) {
      execFileSync('tar', [
        '-rf',
        partial,
        '-C',
        opts.dataDir,
        '--transform',
        's,^,files/,',
        '--verbatim-files-from',
        '-T',
        list,
      ]);
    }
    fs.renameSync(partial, opts.out);
    return manifest;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** Unpack an archive into `dir` and check it completely (manifest, rows, file sizes). */
export function unpackArchive(archive: string, dir: string): Manifest {
  if (!fs.existsSync(archive)) throw new SnapshotError(`no such snapshot: ${archive}`);
  try {
    execFileSync('tar', ['-xf', archive, '-C', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0] ?? String(e);
    throw new SnapshotError(`the snapshot cannot be read (${why})`);
  }
  const mf = path.join(dir, 'manifest.json');
  if (!fs.existsSync(mf)) throw new SnapshotError('not a platform snapshot (no manifest.json)');
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(mf, 'utf8')) as Manifest;
  } catch {
    throw new SnapshotError('not a platform snapshot (manifest.json is not JSON)');
  }
  checkDump(dir, m);
  const got = listFiles(path.join(dir, 'files'));
  for (const [f, size] of Object.entries(m.files)) {
    if (got[f] !== size) throw new SnapshotError(`file ${f} is missing or damaged in the snapshot`);
  }
  return m;
}

/** DATA_DIR as a restore target: absent or an empty directory. */
export function assertEmptyDataDir(dataDir: string): void {
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new SnapshotError(`DATA_DIR ${dataDir} is not empty; restore into a fresh data directory`);
  }
}
