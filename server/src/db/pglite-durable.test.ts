import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './connect';
import { EMBEDDED_DB_STOPPED, embeddedSyncStats } from './pglite-durable';
import { loopDisk, type LoopDisk } from '../testing/loop-disk';

/**
 * The embedded database keeps what it answered as committed through a power cut (pglite-durable.ts). The cut is
 * real: the database runs in a process of its own on an ext4 file system of its own (testing/loop-disk.ts), which is
 * shut down under it without flushing its journal: whatever was not synced is gone when it is mounted again.
 */
let disk: LoopDisk;
let mnt: string;

beforeAll(() => {
  disk = loopDisk('powercut');
  mnt = disk.mnt;
});
afterAll(() => disk?.dispose());

describe('the embedded database on disk', () => {
  it('syncs the WAL of each commit before answering it', async () => {
    const dir = fs.mkdtempSync(path.join(mnt, 'sync-'));
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
    const dataDir = path.join(mnt, 'cut');
    const writer = startWriter(dataDir);
    expect(await writer.committed()).toBe(ROWS);
    // The power cut: the file system stops at once, its journal not flushed; then the process dies.
    disk.cut();
    writer.proc.kill('SIGKILL');
    await writer.exited;
    disk.remount();
    expect(await rowsIn(dataDir)).toEqual(rowsUpTo(ROWS));
  }, 180_000);

  it('stops its process when its disk fails it, rather than hang; started again, every answered commit is there', async () => {
    const dataDir = path.join(mnt, 'fault');
    const writer = startWriter(dataDir);
    expect(await writer.committed()).toBe(ROWS);
    // The disk fails under the running database: every later write or sync of its files answers EIO.
    disk.cut();
    writer.proc.stdin!.write(`${ROWS + 1}\n${ROWS + 2}\n`);
    expect(await writer.exitWithin(30_000)).toBe(EMBEDDED_DB_STOPPED);
    expect(writer.stderr()).toMatch(/FATAL: the embedded database stopped: .*I\/O error/);
    expect(await writer.committed()).toBe(ROWS); // the row asked for after the fault was never answered
    disk.remount();
    expect(await rowsIn(dataDir)).toEqual(rowsUpTo(ROWS));
  }, 180_000);
});

const ROWS = 30;
const rowsUpTo = (n: number) => Array.from({ length: n }, (_x, i) => ({ n: i + 1, note: `row ${i + 1}` }));

/** The writer process (testing/embedded-writer.ts); `committed()` waits for ROWS answers or its exit. */
function startWriter(dataDir: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/testing/embedded-writer.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, DATA_DIR: dataDir, ROWS: String(ROWS) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(proc, 'exit');
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let last = 0;
  const lines = readline.createInterface({ input: proc.stdout! });
  const reachedRows = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      const answer = JSON.parse(line) as { committed?: number };
      if (answer.committed !== undefined) last = answer.committed;
      if (last === ROWS) resolve();
    });
    lines.on('close', resolve);
  });
  return {
    proc,
    exited,
    stderr: () => err,
    /** Its exit status, or 'hung' (then killed) if it is still running after `ms`. */
    exitWithin: async (ms: number): Promise<number | null | 'hung'> => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)));
      const outcome = await Promise.race([exited.then(([code]) => code as number | null), bound]);
      clearTimeout(timer);
      if (outcome === 'hung') proc.kill('SIGKILL');
      return outcome;
    },
    committed: async () => {
      await reachedRows;
      return last;
    },
  };
}

async function rowsIn(dataDir: string) {
  const dbh = await openDatabase({ databaseUrl: null, schema: null, dataDir });
  try {
    return (await sql<{ n: number; note: string }>`select n, note from cut order by n`.execute(dbh.db)).rows;
  } finally {
    await dbh.close();
  }
}
