/**
 * Real processes of the county gateway test, each started inside its namespace with `ip netns exec` (which execs
 * the program, so the child's pid is the program's own): Debian's Orthanc (the gateway, the county PACS), the
 * platform (the built `server/dist/main.mjs`, as `pnpm start` runs it, embedded PGlite, fresh DATA_DIR) and the
 * gateway's ticker (infra/gateway/tick.sh). Every wait polls a condition with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../harness';
import { START_ARGS, START_ENV, stopProcess } from '../../server-process';
import { runIn } from './net';

export const ORTHANC = '/usr/sbin/Orthanc';
export const ORTHANC_DICOMWEB = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const GATEWAY_DIR = path.join(REPO_ROOT, 'infra/gateway');

/** Poll `check` every 250 ms until it returns a value that is not undefined/false, or fail after `ms`. */
export async function until<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function start(
  ns: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Proc {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return {
    child,
    output: () => out,
    stop: () => stopProcess(child),
  };
}

/** An Orthanc REST call from inside its namespace (localhost), with curl; `auth` is a curl config file. */
export async function orthanc(
  ns: string,
  method: string,
  url: string,
  opts: { auth?: string; body?: string; port?: number } = {},
): Promise<string> {
  const args = ['-sf', '-X', method, `http://127.0.0.1:${opts.port ?? 8042}${url}`];
  if (opts.auth) args.push('-K', opts.auth);
  if (opts.body !== undefined) args.push('--data-binary', opts.body);
  const r = await runIn(ns, 'curl', args);
  if (r.code !== 0) throw new Error(`Orthanc ${method} ${url} failed (curl ${r.code}): ${r.out}`);
  return r.out;
}

export async function startOrthanc(ns: string, config: string, auth?: string): Promise<Proc> {
  const p = start(ns, ORTHANC, [config]);
  await until(`Orthanc (${config}) to answer`, 60_000, async () => {
    if (p.child.exitCode !== null) throw new Error(`Orthanc exited:\n${p.output().slice(-3000)}`);
    return (await orthanc(ns, 'GET', '/system', { auth })).includes('DicomAet');
  });
  return p;
}

export async function startPlatform(ns: string, dataDir: string, env: Record<string, string>): Promise<Proc> {
  const p = start(ns, process.execPath, START_ARGS, {
    cwd: path.join(REPO_ROOT, 'server'),
    env: {
      ...process.env,
      ...START_ENV,
      PORT: '3000',
      HOST: '0.0.0.0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SEED_DEMO_CASES: 'false',
      ...env,
    },
  });
  await until('the platform to listen', 180_000, async () => {
    if (p.child.exitCode !== null) throw new Error(`platform exited:\n${p.output().slice(-3000)}`);
    return /listening on http/.test(p.output());
  });
  return p;
}

/** The gateway's ticker, as its systemd unit runs it: infra/gateway/tick.sh CONFIG_DIR SECONDS. */
export function startTicker(ns: string, configDir: string, seconds: number): Proc {
  return start(ns, 'bash', [path.join(GATEWAY_DIR, 'tick.sh'), configDir, String(seconds)]);
}
