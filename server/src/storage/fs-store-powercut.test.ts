import { spawn } from 'node:child_process';
import { once } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKey } from './types';
import { loopDisk, type LoopDisk } from '../testing/loop-disk';

/**
 * An object the store answered as committed is there, whole, under its key after a power cut (fs-store.ts: the
 * temporary file written with O_DSYNC or synced, renamed into place, its directory synced through a kept
 * descriptor). The objects are stored as ingest stores DICOM blobs, by a process of its own
 * (testing/object-writer.ts) on a file system of its own that is shut down under it (testing/loop-disk.ts).
 */
let disk: LoopDisk;
beforeAll(() => void (disk = loopDisk('objects-powercut')));
afterAll(() => disk?.dispose());

const COUNT = 41; // the last one new bytes (every fifth repeats an earlier object)

describe('the object store through a power cut', () => {
  it('keeps every object it answered as committed, whole, under its content key', async () => {
    const storageDir = path.join(disk.mnt, 'storage');
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/testing/object-writer.ts'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { ...process.env, STORAGE_DIR: storageDir, COUNT: String(COUNT) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(proc, 'exit');
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const answered: { n: number; sha256: string }[] = [];
    for await (const line of readline.createInterface({ input: proc.stdout! })) {
      answered.push(JSON.parse(line) as { n: number; sha256: string });
      if (answered.length === COUNT) break;
    }
    expect(answered.length, err).toBe(COUNT);
    // The power cut right after the last answer, then the process dies.
    disk.cut();
    proc.kill('SIGKILL');
    await exited;
    disk.remount();
    const found = answered.map(({ n, sha256 }) => {
      const file = path.join(storageDir, 'imaging', contentKey(sha256));
      const bytes = fs.existsSync(file) ? fs.readFileSync(file) : null;
      return {
        n,
        whole: bytes !== null && crypto.createHash('sha256').update(bytes).digest('hex') === sha256,
      };
    });
    expect(found.filter((f) => !f.whole)).toEqual([]);
  }, 120_000);
});
