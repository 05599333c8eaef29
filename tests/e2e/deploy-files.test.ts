/**
 * The production deployment files in infra/deploy, checked where docker is not available: the compose file parses,
 * every reference in it resolves (services, volumes, files, variables of env.example), each app node's environment
 * is one the platform accepts at start (its own config loader), the nodes do not collide and nginx proxies to
 * exactly them; the systemd units pass `systemd-analyze verify` and their environment files load too.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../server/src/config';
import { REPO_ROOT } from './harness';
import { START_ARGS, START_ENV } from '../server-process';

const DEPLOY = path.join(REPO_ROOT, 'infra/deploy');
const read = (f: string) => fs.readFileSync(path.join(DEPLOY, f), 'utf8');

/** KEY=value lines (comments and blanks skipped). */
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
const example = envFile(read('env.example'));

/** Compose-style interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message}. Unknown variables fail the test. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_all, name: string, op?: string, arg?: string) => {
      if (vars[name] !== undefined) return vars[name]!;
      if (op === '-') return arg ?? '';
      throw new Error(`\${${name}} is not set in env.example${op === '?' ? ` (${arg})` : ''}`);
    },
  );
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  command?: string[];
  network_mode?: string;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const apps = ['app1', 'app2'] as const;

describe('docker-compose.yml', () => {
  it('has the two app nodes, PostgreSQL, Redis, coturn and the reverse proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['app1', 'app2', 'coturn', 'nginx', 'postgres', 'redis']);
  });

  it('depends only on services that exist, and waits for health only where a healthcheck is defined', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} healthcheck`).toBeDefined();
      }
    }
  });

  it('mounts declared volumes and files that exist; builds from a Dockerfile that exists', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = interpolate(v, example).split(':')[0]!;
        if (source.startsWith('.'))
          expect(fs.existsSync(path.join(DEPLOY, source)), `${name}: ${source}`).toBe(true);
        else if (!source.startsWith('/'))
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
      if (s.build) {
        expect(fs.existsSync(path.join(DEPLOY, s.build.context, s.build.dockerfile))).toBe(true);
      }
    }
    const check = services.app1!.healthcheck!.test.at(-1)!;
    expect(fs.existsSync(path.join(REPO_ROOT, path.relative('/opt/consult', check)))).toBe(true);
  });

  it('uses only variables env.example defines (and every one it defines)', () => {
    const text = read('docker-compose.yml').replace(/^\s*#.*$/gm, '');
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    for (const v of used) expect(example, `\${${v}}`).toHaveProperty(v);
    for (const v of Object.keys(example)) expect(used.has(v), `${v} in env.example is unused`).toBe(true);
  });

  for (const app of apps) {
    it(`${app}: the platform accepts its environment (its own config loader)`, () => {
      const env = Object.fromEntries(
        Object.entries(services[app]!.environment!).map(([k, v]) => [k, interpolate(String(v), example)]),
      );
      const c = loadConfig(env);
      expect(c.databaseUrl).toMatch(/^postgres:\/\/consult:/);
      expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
      expect(c.sfu.turnSecret).toBe(example.TURN_SECRET);
      expect(c.metricsToken).toBe(example.METRICS_TOKEN);
    });
  }

  it('gives the nodes their own HTTP port and RTC range, the ones nginx and coturn expect', () => {
    const [a, b] = apps.map((n) =>
      loadConfig(
        Object.fromEntries(
          Object.entries(services[n]!.environment!).map(([k, v]) => [k, interpolate(String(v), example)]),
        ),
      ),
    ) as [ReturnType<typeof loadConfig>, ReturnType<typeof loadConfig>];
    expect(a.port).not.toBe(b.port);
    expect(a.sfu.rtcMaxPort < b.sfu.rtcMinPort || b.sfu.rtcMaxPort < a.sfu.rtcMinPort).toBe(true);
    const upstream = [...read('nginx.conf').matchAll(/^\s*server 127\.0\.0\.1:(\d+)/gm)].map((m) =>
      Number(m[1]),
    );
    expect(upstream.sort()).toEqual([a.port, b.port].sort());
    const turn = services.coturn!.command!.map((x) => interpolate(x, example));
    expect(turn).toContain(`--static-auth-secret=${example.TURN_SECRET}`);
    const [min, max] = ['--min-port=', '--max-port='].map((p) =>
      Number(turn.find((x) => x.startsWith(p))!.slice(p.length)),
    );
    for (const c of [a, b]) expect(c.sfu.rtcMaxPort < min! || c.sfu.rtcMinPort > max!).toBe(true);
  });
});

describe('systemd units', () => {
  const dir = path.join(DEPLOY, 'systemd');
  const units = fs.readdirSync(dir).filter((f) => /\.(service|timer)$/.test(f));

  it('pass systemd-analyze verify without a single warning', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-units-'));
    try {
      for (const u of units) {
        // A template is verified as an instance.
        const name = u.replace('@.service', '@1.service');
        fs.copyFileSync(path.join(dir, u), path.join(tmp, name));
      }
      for (const u of fs.readdirSync(tmp)) {
        const r = spawnSync('systemd-analyze', ['verify', path.join(tmp, u)], { encoding: 'utf8' });
        expect(`${r.stdout}${r.stderr}`.trim(), u).toBe('');
        expect(r.status).toBe(0);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('start what the build produces, and the env files are ones the platform accepts', () => {
    const node = fs.readFileSync(path.join(dir, 'consult@.service'), 'utf8');
    for (const m of node.matchAll(/\/opt\/consult\/(\S+)/g)) {
      if (m[1]!.startsWith('server/dist/')) continue; // built by pnpm build (infra/build.mjs)
      expect(fs.existsSync(path.join(REPO_ROOT, m[1]!)), m[1]).toBe(true);
    }
    expect(fs.readFileSync(path.join(REPO_ROOT, 'infra/build.mjs'), 'utf8')).toContain(
      "'server/dist/main.mjs'",
    );
    const common = envFile(fs.readFileSync(path.join(dir, 'common.env'), 'utf8'));
    const ports = ['node-1.env', 'node-2.env'].map((f) => {
      const c = loadConfig({ ...common, ...envFile(fs.readFileSync(path.join(dir, f), 'utf8')) });
      return c.port;
    });
    const upstream = [...read('nginx.conf').matchAll(/^\s*server 127\.0\.0\.1:(\d+)/gm)].map((m) =>
      Number(m[1]),
    );
    expect(ports.sort()).toEqual(upstream.sort());
    expect(fs.existsSync(path.join(dir, 'consult-backup.timer'))).toBe(true);
  });

  it('run the node with the environment `pnpm start` sets (the C allocator tunables), as the image does', () => {
    expect(START_ENV.GLIBC_TUNABLES).toMatch(/^glibc\.malloc\.mmap_threshold=\d+$/);
    const node = fs.readFileSync(path.join(dir, 'consult@.service'), 'utf8');
    for (const [k, v] of Object.entries(START_ENV)) {
      expect(node).toContain(`\nEnvironment=${k}=${v}\n`);
      expect(read('Dockerfile')).toContain(`\nENV ${k}=${v}\n`);
    }
  });

  it('run the bundle with the node options `pnpm start` gives it, as the image does (no eager source maps)', () => {
    // --enable-source-maps kept the bundle's parsed source map resident (~30 MB of an idle node) and parsed it at
    // every start (~0.15 s): README, Operations.
    expect(START_ARGS).not.toContain('--enable-source-maps');
    const unit = fs.readFileSync(path.join(dir, 'consult@.service'), 'utf8');
    const exec = /^ExecStart=\S*\/node((?: -\S+)*) \/opt\/consult\/server\/(dist\/main\.mjs)$/m.exec(unit);
    expect(exec, 'ExecStart runs node on the bundle').not.toBeNull();
    expect([...exec![1]!.split(' ').filter(Boolean), exec![2]]).toEqual(START_ARGS);
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
    expect(cmd, 'the image has a CMD').not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...START_ARGS]);
  });
});
