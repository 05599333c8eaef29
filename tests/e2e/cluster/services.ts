/**
 * The cluster's shared services, private to the test and listening on the root ends of the namespaces' links:
 * a redis-server (no persistence) and a PostgreSQL 15 cluster (initdb + pg_ctl, trust for the test's /24 only).
 * The machine's own PostgreSQL and Redis are never touched.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface Service {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(bind: string[], port = 6390): Promise<Service> {
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', ...bind, '--protected-mode', 'no', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis did not start:\n${out}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', () => reject(new Error(`redis exited:\n${out}`)));
  });
  return {
    url: `redis://${bind[0]}:${port}`,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export async function startPostgres(listen: string[], trustCidr: string, port = 5440): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-cluster-pg-'));
  const data = path.join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  fs.chownSync(dir, uid, gid);
  const pg = (bin: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args], {
      stdio: 'pipe',
      timeout: 120_000,
    });
  pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  fs.appendFileSync(path.join(data, 'pg_hba.conf'), `host all all ${trustCidr} trust\n`);
  const opts = `-p ${port} -c listen_addresses=${listen.join(',')} -k ${dir} -c fsync=off -c max_connections=80`;
  pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
  return {
    url: `postgres://postgres@${listen[0]}:${port}/postgres`,
    stop: async () => {
      try {
        pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
