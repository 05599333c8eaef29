import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type ModuleOptions = Parameters<NodeFS['init']>[1];
type PostgresMod = Parameters<NonNullable<ModuleOptions['preRun']>[number]>[0];

/**
 * The embedded database on disk, durable: what it committed survives a crash of the machine or a power cut, not
 * only a crash of the process.
 *
 * PGlite's own NodeFS never reaches the disk (upstream electric-sql/pglite#1107):
 *   - PostgreSQL starts with fsync off (`-F` in PGlite.defaultStartParams);
 *   - Emscripten's NODEFS has no fsync: an fsync of one of its files succeeds without any call to the host, and
 *     fdatasync (PostgreSQL's default wal_sync_method on Linux) is a no-op no file system can hook.
 * A commit then sat in the kernel's page cache only, and a checkpoint could recycle WAL whose pages never reached
 * the disk. Here NODEFS gets an fsync that syncs the host file (a directory, which NODEFS opens without a host
 * descriptor: opened and synced by its path), and PostgreSQL runs with fsync on and wal_sync_method=fsync
 * (DURABLE_START_PARAMS): every commit syncs its WAL before it answers, checkpoints sync the data files, and a start
 * after a crash syncs the data directory first, as PostgreSQL does.
 *
 * When a write or a sync of its files fails (a full or failing disk), PostgreSQL stops with a PANIC rather than go
 * on past a write it may have lost. Inside PGlite that leaves the database hung: every later statement waits
 * forever. The process stops instead (stopOnPanic), as PostgreSQL's own server would restart: started again (by
 * its supervisor), recovery replays the WAL and what was answered as committed is there.
 */
export class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: ModuleOptions) {
    const { emscriptenOpts } = await super.init(pg, opts);
    const preRun = [...(emscriptenOpts.preRun ?? []), (mod: PostgresMod) => withHostFsync(mod)];
    return { emscriptenOpts: { ...emscriptenOpts, preRun } };
  }
}

/** After PGlite's defaults (whose `-F` turns fsync off): later switches win. */
export const DURABLE_START_PARAMS = ['-c', 'fsync=on', '-c', 'wal_sync_method=fsync'];

/** Host syncs the embedded database asked for (tests and diagnostics): files, of which WAL, and directories. */
export const embeddedSyncStats = { files: 0, wal: 0, dirs: 0 };

interface NodeFsStream {
  nfd?: number;
  node: unknown;
}
interface NodeFsDriver {
  stream_ops: { fsync?: (stream: NodeFsStream) => number };
  realPath(node: unknown): string;
}

function withHostFsync(mod: PostgresMod): void {
  const nodefs = (mod.FS as unknown as { filesystems: { NODEFS: NodeFsDriver } }).filesystems.NODEFS;
  nodefs.stream_ops.fsync = (stream) => {
    const file = nodefs.realPath(stream.node);
    try {
      if (stream.nfd === undefined) {
        syncPath(file);
        embeddedSyncStats.dirs++;
      } else {
        fs.fsyncSync(stream.nfd);
        embeddedSyncStats.files++;
        if (path.basename(path.dirname(file)) === 'pg_wal') embeddedSyncStats.wal++;
      }
    } catch (e) {
      // PostgreSQL would PANIC (a failed fsync may have dropped the writes it covered; retrying can't tell).
      stopOnPanic(new Error(`could not sync ${file}: ${(e as Error).message}`));
    }
    return 0;
  };
}

/** Exit status when the embedded database stopped (sysexits EX_IOERR: its disk failed it). */
export const EMBEDDED_DB_STOPPED = 74;

/** The embedded database stopped (see the module comment): say why, and stop the process. */
export function stopOnPanic(e: unknown): never {
  const why = e instanceof Error ? e.message : String(e);
  process.stderr.write(
    `FATAL: the embedded database stopped: ${why}\n` +
      'The server stops with it. Free or repair the disk under DATA_DIR and start it again: the database recovers ' +
      'from its write-ahead log, and everything answered as saved is there.\n',
  );
  process.exit(EMBEDDED_DB_STOPPED);
}

/**
 * Sync every file and directory under `dir`, deepest first. Once, after a new embedded database was created (its
 * initdb wrote the files with fsync off) or copied from a template: from then on PostgreSQL syncs what it writes.
 */
export function syncTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) syncTree(p);
    else if (e.isFile()) syncPath(p);
  }
  syncPath(dir);
}

function syncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
