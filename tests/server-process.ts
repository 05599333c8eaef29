/**
 * A platform server as a child process, for the end-to-end tests (e2e/harness.ts startApp, the built bundle's test)
 * and the benchmarks (bench/server-process.ts startProc): `node <args>` started in `cwd`, ready once it prints
 * "listening on http://<address>:<port>", stopped with SIGTERM (SIGKILL after 20 s). Everything it prints is kept
 * for the caller's assertions and for the error when it does not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const startScript = (
  JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')) as {
    scripts: { start: string };
  }
).scripts.start;

/**
 * The variables `pnpm start` sets for the server (`NAME=value` in the root package.json's start script:
 * GLIBC_TUNABLES), which every server startServer starts gets too: tests and benchmarks run it as it is deployed.
 */
export const START_ENV: Record<string, string> = Object.fromEntries(
  [...startScript.matchAll(/\b([A-Z][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!]),
);

/**
 * The arguments `pnpm start` runs the built server with (`node <options> dist/main.mjs` in the same script), for
 * the tests and benchmarks that start the bundle as it is deployed.
 */
export const START_ARGS: string[] = [
  ...(/\bnode((?:\s+-\S+)*)\s+dist\/main\.mjs\b/.exec(startScript)?.[1] ?? '').split(/\s+/).filter(Boolean),
  'dist/main.mjs',
];

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the server printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 20 s; resolves once it exited. */
  stop(): Promise<void>;
}

export interface ServerStart {
  cwd: string;
  /** Added to this process's environment and START_ENV. */
  env: Record<string, string>;
  /** How long to wait for "listening on" (default 120 s). */
  timeoutMs?: number;
}

/** HOST may be another local address than loopback (the weak-link test listens on its veth address). */
const LISTENING = /listening on (http:\/\/[\d.]+:\d+)/;

export function startServer(args: string[], opts: ServerStart): Promise<ServerProcess> {
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...START_ENV, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => void (out += d.toString());
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const stop = () => stopProcess(proc);
  return new Promise((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      reject(new Error(`server did not print "listening on" within ${timeoutMs / 1000} s:\n${out}`));
      void stop();
    }, timeoutMs);
    const onStdout = () => {
      const m = LISTENING.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onStdout);
      resolve({ url: m[1]!, proc, output: () => out, stop });
    };
    proc.stdout!.on('data', onStdout);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
}

/** SIGTERM `proc`, then SIGKILL if it has not exited within 20 s; resolves once it exited (at once if it had). */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
