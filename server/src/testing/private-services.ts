/**
 * Outage tests need a database and a Redis they may stop and start: PRIVATE instances on their own ports and data
 * directories (the machine's shared PostgreSQL and Redis are never touched), and the server as a real child
 * process so a crash shows as an exit, not as a test-runner error.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop for good and remove the data directory. */
  destroy(): Promise<void>;
}

/** initdb + pg_ctl from Debian's postgresql-15, as the `postgres` user when we are root (initdb refuses root). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  // Asynchronous, so the test's load keeps running while PostgreSQL stops and starts.
  const run = async (bin: string, args: string[]) => {
    const [cmd, ...rest] = asRoot
      ? ['runuser', '-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]
      : [path.join(PG_BIN, bin), ...args];
    await execFileAsync(cmd!, rest, { timeout: 120_000 });
  };
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=60`;
  const start = () =>
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
  // -m fast: what a restart does — every backend is terminated (57P01) and the server stops.
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      await stop().catch(() => undefined); // already stopped
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolve when `out()` matches `re`, or reject after `ms` (bounded wait on a real condition). */
function waitForOutput(
  proc: ChildProcess,
  out: () => string,
  re: RegExp,
  ms: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${re}:\n${out()}`)), ms);
    const check = () => {
      const m = re.exec(out());
      if (m) finish(null, m);
    };
    const onExit = () => finish(new Error(`process exited while waiting for ${re}:\n${out()}`));
    const finish = (err: Error | null, m?: RegExpExecArray) => {
      clearTimeout(timer);
      proc.stdout?.off('data', check);
      proc.stderr?.off('data', check);
      proc.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    proc.stdout?.on('data', check);
    proc.stderr?.on('data', check);
    proc.once('exit', onExit);
    check();
  });
}

function captured(proc: ChildProcess): () => string {
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A redis-server on its own port, no persistence; stop() kills it, start() brings it back on the same port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const start = async () => {
    const p = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc = p;
    await waitForOutput(p, captured(p), /Ready to accept connections/, 30_000);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop, destroy: stop };
}

export interface ServerProcess {
  url: string;
  /** Its own (node-local) DATA_DIR. */
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  /** Still running (never crashed)? */
  alive(): boolean;
  stop(): Promise<void>;
}

/** `node --import tsx src/main.ts` with a fresh DATA_DIR on 127.0.0.1 and a random port. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-outage-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SEED_DEMO_CASES: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captured(proc);
  const m = await waitForOutput(proc, output, /listening on (http:\/\/[\d.]+:\d+)/, 120_000);
  return {
    url: m[1]!,
    dataDir,
    proc,
    output,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
