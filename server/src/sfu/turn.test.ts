/**
 * Time-limited TURN credentials (TURN_SECRET): the formula against openssl as an independent oracle, the
 * configuration rules, and a real coturn `turnserver` on loopback with `use-auth-secret`, driven by
 * `turnutils_uclient` (two clients relaying to each other): a fresh credential relays; an expired one, a wrong
 * secret, a credential moved to another user, or one whose expiry was edited are refused.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { iceServers } from '../rounds/ice-servers';
import { turnCredentials } from './turn';

const SECRET = `turn-secret-${crypto.randomBytes(12).toString('hex')}`;

describe('turn credentials: the coturn REST formula', () => {
  const oracle = (secret: string, username: string) =>
    execFileSync('openssl', ['dgst', '-sha1', '-hmac', secret, '-binary'], { input: username })
      .toString('base64')
      .trim();
  const cases = Array.from({ length: 12 }, (_, i) => ({
    secret:
      i % 3 === 0
        ? `密钥-${crypto.randomBytes(8).toString('hex')}`
        : crypto.randomBytes(24).toString('base64'),
    user: i % 2 ? crypto.randomUUID() : `user-${i}`,
    ttl: 60 + i * 3600,
  }));
  for (const c of cases) {
    it(`user ${c.user.slice(0, 8)}…, ttl ${c.ttl} s`, () => {
      const now = Date.UTC(2026, 11, 3, 8, 0, 0);
      const { username, credential } = turnCredentials(c.secret, c.user, c.ttl, now);
      expect(username).toBe(`${now / 1000 + c.ttl}:${c.user}`);
      expect(credential).toBe(oracle(c.secret, username));
    });
  }
});

describe('turn credentials: configuration', () => {
  const base = { TURN_URLS: 'turn:127.0.0.1:3478?transport=udp' };
  it('hands each user their own expiring credential with TURN_SECRET', () => {
    const config = loadConfig({ ...base, TURN_SECRET: SECRET, TURN_TTL_SECONDS: '600' });
    const before = Math.floor(Date.now() / 1000);
    const [a] = iceServers(config, 'user-a');
    const [b] = iceServers(config, 'user-b');
    expect(a!.urls).toEqual([base.TURN_URLS]);
    const [expiry, who] = a!.username!.split(':');
    expect(who).toBe('user-a');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
    expect(b!.credential).not.toBe(a!.credential);
  });
  it('keeps the static credential when no secret is set', () => {
    const config = loadConfig({ ...base, TURN_USERNAME: 'consult', TURN_CREDENTIAL: 'static-pass' });
    expect(iceServers(config, 'u')).toEqual([
      { urls: [base.TURN_URLS], username: 'consult', credential: 'static-pass' },
    ]);
  });
  const bad: [Record<string, string>, RegExp][] = [
    [{ ...base, TURN_SECRET: 'short' }, /TURN_SECRET must be at least 16/],
    [
      { ...base, TURN_SECRET: SECRET, TURN_USERNAME: 'x', TURN_CREDENTIAL: 'y' },
      /either TURN_SECRET .* not both/,
    ],
    [{ ...base }, /TURN_URLS needs TURN_SECRET, or TURN_USERNAME and TURN_CREDENTIAL/],
    [{ ...base, TURN_SECRET: SECRET, TURN_TTL_SECONDS: '10' }, /TURN_TTL_SECONDS/],
    [{ ...base, TURN_SECRET: SECRET, TURN_TTL_SECONDS: 'soon' }, /TURN_TTL_SECONDS/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env).slice(0, 90)}`, () => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  }
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });

describe('turn credentials: a real coturn on loopback', () => {
  let proc: ChildProcess;
  let port = 0;
  let log = '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-turn-'));

  beforeAll(async () => {
    port = await freePort();
    const relayBase = 50_000 + Math.floor(Math.random() * 10_000);
    proc = spawn(
      'turnserver',
      [
        '-n',
        '--no-cli',
        '--no-tls',
        '--no-dtls',
        '--simple-log',
        '--log-file=stdout',
        '--listening-ip=127.0.0.1',
        `--listening-port=${port}`,
        '--relay-ip=127.0.0.1',
        `--min-port=${relayBase}`,
        `--max-port=${relayBase + 200}`,
        '--allow-loopback-peers',
        '--use-auth-secret',
        `--static-auth-secret=${SECRET}`,
        '--realm=consult',
        `--pidfile=${dir}/pid`,
        `--db=${dir}/turndb`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
        c.on('error', () => resolve(false));
      });
      if (up) break;
      if (Date.now() > deadline || proc.exitCode !== null)
        throw new Error(`turnserver did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Two clients allocate relays on the server and exchange packets through them; true when all got through. */
  const relays = (username: string, credential: string) => {
    const r = spawnSync(
      'turnutils_uclient',
      [
        '-u',
        username,
        '-w',
        credential,
        '-p',
        String(port),
        '-n',
        '4',
        '-m',
        '1',
        '-l',
        '100',
        '-y',
        '127.0.0.1',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const out = `${r.stdout}${r.stderr}`;
    return { ok: r.status === 0 && /Total lost packets 0 /.test(out), out };
  };

  it('relays media for a fresh credential', () => {
    const c = turnCredentials(SECRET, crypto.randomUUID(), 600);
    const r = relays(c.username, c.credential);
    expect(r.ok, r.out.slice(-1500)).toBe(true);
    // The client's final tally (how many rounds it sends depends on timing): everything sent came back relayed.
    const total = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(r.out);
    expect(total, r.out.slice(-1500)).not.toBeNull();
    expect(Number(total![1])).toBeGreaterThan(0);
    expect(Number(total![2])).toBe(Number(total![1]));
  });

  const refused: [string, () => { username: string; credential: string }][] = [
    ['an expired credential', () => turnCredentials(SECRET, 'u1', -60)],
    ['a credential made with another secret', () => turnCredentials(`${SECRET}x`, 'u1', 600)],
    [
      "another user's name with this user's credential",
      () => {
        const mine = turnCredentials(SECRET, 'u1', 600);
        return { username: mine.username.replace(':u1', ':u2'), credential: mine.credential };
      },
    ],
    [
      'an expiry pushed later by hand',
      () => {
        const mine = turnCredentials(SECRET, 'u1', 600);
        const [exp, user] = mine.username.split(':');
        return { username: `${Number(exp) + 86_400}:${user}`, credential: mine.credential };
      },
    ],
  ];
  for (const [name, make] of refused) {
    it(`refuses ${name}`, () => {
      const c = make();
      const r = relays(c.username, c.credential);
      expect(r.ok).toBe(false);
      expect(r.out).toMatch(/Cannot complete Allocation/);
    });
  }
});
