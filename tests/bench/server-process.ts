/**
 * Shared by the benchmarks: where the server package is, servers started as child processes (../server-process.ts),
 * workload clients, and the CPU time a process has used.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type ServerProcess } from '../server-process';

export { START_ARGS } from '../server-process';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SERVER_DIR = path.join(ROOT, 'server');
/** Server-side packages resolve from the server package (the tests package does not depend on them). */
export const fromServer = createRequire(path.join(SERVER_DIR, 'package.json'));
const CLK_TCK = 100; // Linux USER_HZ

export type Proc = ServerProcess;

/**
 * The server `node <args>` in `cwd` (../server-process.ts), once it listens. Benchmarks sign in by password alone:
 * the second-factor policy is measured nowhere here.
 */
export const startProc = (
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 120_000,
): Promise<Proc> => startServer(args, { cwd, timeoutMs, env: { MFA_REQUIRED_ROLES: '', ...env } });

/**
 * Run a workload client script (`node --import tsx <script> <arg>`, from the server package; inside network namespace
 * `netns` when given) and take the JSON it prints on its `RESULT ` line; a client that fails names `name`.
 */
export function runWorkloadClient<R>(
  script: string,
  arg: string,
  name: string,
  netns: string | null,
): Promise<R> {
  const args = ['--import', 'tsx', script, arg];
  const [cmd, argv] = netns
    ? ['ip', ['netns', 'exec', netns, process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv as string[], { cwd: SERVER_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      const m = /RESULT (.*)/.exec(out);
      if (code === 0 && m) resolve(JSON.parse(m[1]!) as R);
      else reject(new Error(`${name} client failed (${code}):\n${out.slice(-3000)}`));
    });
  });
}

/** The median of `xs` (of an even count, the mean of the middle two). */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * CPU seconds (user + system) a process has used so far, with those of its child processes that ended (a first
 * start's initdb process, db/embedded.ts).
 */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return (f[11]! + f[12]! + f[13]! + f[14]!) / CLK_TCK;
}

/**
 * The local TCP ports of `pid`'s connections to `remotePort` (a database's), read from /proc: its socket inodes
 * (/proc/<pid>/fd) matched against /proc/net/tcp{,6}. With pg_stat_activity.client_port they name the database
 * backends serving that process, whose CPU time `cpuSeconds` then reads.
 */
export function connectedPorts(pid: number, remotePort: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {} // closed while listing
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6'])
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      if (parseInt(f[2]!.split(':')[1]!, 16) === remotePort) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  return ports;
}

export interface CpuProbe {
  start(): Promise<void>;
  /** CPU milliseconds per request since start(): the process's, and its database backends'. */
  stop(requests: number): { server: number; db: number };
}

/** CPU time of a server process and of the database backends `backends` names (read once, at start). */
export function cpuProbe(pid: number, backends: () => Promise<number[]> = async () => []): CpuProbe {
  const seconds = (p: number) => {
    try {
      return cpuSeconds(p);
    } catch {
      return 0; // a backend that ended: its time is lost, so the figure errs low
    }
  };
  let pids: number[] = [];
  let server0 = 0;
  let db0 = 0;
  return {
    async start() {
      pids = await backends();
      server0 = seconds(pid);
      db0 = pids.reduce((a, p) => a + seconds(p), 0);
    },
    stop(requests) {
      const db = pids.reduce((a, p) => a + seconds(p), 0) - db0;
      return { server: ((seconds(pid) - server0) * 1000) / requests, db: (db * 1000) / requests };
    },
  };
}

/** Mean milliseconds per stage of ingest, and instances per group-commit batch, read off a server's /metrics. */
export interface IngestStages {
  ms: Record<string, number>;
  batch: number;
}

/**
 * What a server of ours reports of its ingest so far (GET /metrics from loopback: consult_ingest_stage_seconds and
 * consult_ingest_batch_instances, server/src/imaging/ingest-timing.ts): the mean time an instance spent in each stage
 * and the mean batch size.
 */
export async function ingestStages(baseUrl: string): Promise<IngestStages> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  const ms: Record<string, number> = {};
  for (const m of text.matchAll(/^consult_ingest_stage_seconds_sum\{stage="(\w+)"\} (\S+)$/gm)) {
    const count = value(new RegExp(`^consult_ingest_stage_seconds_count\\{stage="${m[1]}"\\} (\\S+)$`, 'm'));
    if (count > 0) ms[m[1]!] = (Number(m[2]) / count) * 1000;
  }
  const batch =
    value(/^consult_ingest_batch_instances_sum (\S+)$/m) /
    value(/^consult_ingest_batch_instances_count (\S+)$/m);
  return { ms, batch };
}
