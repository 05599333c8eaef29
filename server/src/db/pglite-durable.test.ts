import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './connect';
import { embeddedSyncStats } from './pglite-durable';

/**
 * The embedded database keeps what it answered as committed through a power cut (pglite-durable.ts). The cut is
 * real: the database runs in a process of its own on an ext4 file system of its own (a loop device), which is shut
 * down under it without flushing its journal (`xfs_io -x -c shutdown`, the power-failure step of the kernel's own
 * file-system tests): whatever was not synced is gone when the file system is mounted again.
 */
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
};

let work: string;
let image: string;
let mnt: string;
const mounted = () => spawnSync('mountpoint', ['-q', mnt]).status === 0;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-powercut-'));
  image = path.join(work, 'disk.img');
  mnt = path.join(work, 'mnt');
  fs.mkdirSync(mnt);
  fs.closeSync(fs.openSync(image, 'w'));
  fs.truncateSync(image, 256 * 1024 * 1024);
  run('mkfs.ext4', ['-q', '-F', image]);
  run('mount', ['-o', 'loop', image, mnt]);
});
afterAll(() => {
  if (mnt && mounted()) spawnSync('umount', [mnt]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the embedded database on disk', () => {
  it('syncs the WAL of each commit before answering it', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'sync-'));
    const dbh = await openDatabase({ databaseUrl: null, schema: null, dataDir: dir });
    try {
      const show = async (name: string) =>
        (await sql<Record<string, string>>`${sql.raw(`show ${name}`)}`.execute(dbh.db)).rows[0]![name];
      expect(await show('fsync')).toBe('on');
      expect(await show('wal_sync_method')).toBe('fsync');
      await sql`create table t (n int)`.execute(dbh.db);
      const before = embeddedSyncStats.wal;
      for (let n = 0; n < 20; n++) await sql`insert into t values (${n})`.execute(dbh.db);
      expect(embeddedSyncStats.wal - before).toBeGreaterThanOrEqual(20);
    } finally {
      await dbh.close();
    }
  });

  it('keeps every commit it answered through a power cut right after', async () => {
    const ROWS = 30;
    const dataDir = path.join(mnt, 'data');
    const writer = spawn(process.execPath, ['--import', 'tsx', 'src/testing/embedded-writer.ts'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { ...process.env, DATA_DIR: dataDir, ROWS: String(ROWS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(writer, 'exit');
    let committed = 0;
    for await (const line of readline.createInterface({ input: writer.stdout! })) {
      committed = (JSON.parse(line) as { committed: number }).committed;
      if (committed === ROWS) break;
    }
    expect(committed).toBe(ROWS);
    // The power cut: the file system stops at once, its journal not flushed; then the process dies.
    run('xfs_io', ['-x', '-c', 'shutdown', mnt]);
    writer.kill('SIGKILL');
    await exited;
    run('umount', [mnt]);
    run('mount', ['-o', 'loop', image, mnt]);

    const dbh = await openDatabase({ databaseUrl: null, schema: null, dataDir });
    try {
      const { rows } = await sql<{ n: number; note: string }>`select n, note from cut order by n`.execute(
        dbh.db,
      );
      expect(rows).toEqual(Array.from({ length: ROWS }, (_x, i) => ({ n: i + 1, note: `row ${i + 1}` })));
    } finally {
      await dbh.close();
    }
  }, 180_000);
});
