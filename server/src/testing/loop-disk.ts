/**
 * A file system of a test's own for power-cut tests (db/pglite-durable.test.ts, storage/fs-store-powercut.test.ts):
 * a 256 MB ext4 image on a loop device (needs root). `cut()` shuts it down at once without flushing its journal
 * (`xfs_io -x -c shutdown`, the power-failure step of the kernel's own file-system tests): whatever was not synced
 * is gone when `remount()` mounts it again.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
};

export interface LoopDisk {
  /** Where it is mounted. */
  mnt: string;
  /** The power cut (or a disk failing under its users: every later write or sync answers EIO). */
  cut(): void;
  remount(): void;
  dispose(): void;
}

export function loopDisk(name: string): LoopDisk {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `consult-${name}-`));
  const image = path.join(work, 'disk.img');
  const mnt = path.join(work, 'mnt');
  fs.mkdirSync(mnt);
  fs.closeSync(fs.openSync(image, 'w'));
  fs.truncateSync(image, 256 * 1024 * 1024);
  run('mkfs.ext4', ['-q', '-F', image]);
  run('mount', ['-o', 'loop', image, mnt]);
  const mounted = () => spawnSync('mountpoint', ['-q', mnt]).status === 0;
  return {
    mnt,
    cut: () => run('xfs_io', ['-x', '-c', 'shutdown', mnt]),
    remount: () => {
      run('umount', [mnt]);
      run('mount', ['-o', 'loop', image, mnt]);
    },
    dispose: () => {
      if (mounted()) spawnSync('umount', [mnt]);
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
