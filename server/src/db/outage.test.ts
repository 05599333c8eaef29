/**
 * A PostgreSQL restart under load: 50 concurrent clients keep calling the server (reads, writes, audited
 * transactions) while a PRIVATE cluster is stopped (`pg_ctl -m fast`: every backend gets 57P01) and started again,
 * several times. The server process must never exit, must answer 503 `unavailable` while the database is down
 * (fast: every request carries a timeout), and must answer normally again once it is back, by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD } from '../seed/demo';
import {
  startPrivatePostgres,
  startServerProcess,
  type PrivatePostgres,
  type ServerProcess,
} from '../testing/private-services';
import { runLoad, waitFor, type Phase } from '../testing/load';

const CLIENTS = 50;
const CYCLES = 3;
const USERS = [
  'lankao.doctor',
  'linquan.doctor',
  'yonghe.doctor',
  'pku.cardio',
  'pku.radiology',
  'anzhen.cardio',
];

let pgc: PrivatePostgres;
let server: ServerProcess;
const sessions: { cookie: string; csrf: string }[] = [];

beforeAll(async () => {
  pgc = await startPrivatePostgres();
  server = await startServerProcess({
    DATABASE_URL: pgc.url,
    LOGIN_RATE_LIMIT: '10000',
    // The SLA watcher queries the database every second: background work must survive the outage too.
    SLA_CHECK_SECONDS: '1',
  });
  for (const username of USERS) {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: DEMO_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = /consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
    sessions.push({
      cookie: `${SESSION_COOKIE}=${cookie}`,
      csrf: ((await res.json()) as { csrfToken: string }).csrfToken,
    });
  }
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await pgc?.destroy();
});

describe('PostgreSQL restarts under 50 concurrent clients', () => {
  it(`survives ${CYCLES} stop/start cycles: 503 while down, normal answers after, the process never exits`, async () => {
    let phase: Phase = 'up';
    const load = runLoad(
      server.url,
      CLIENTS,
      () => phase,
      (i) => {
        const s = sessions[i % sessions.length]!;
        const headers = { cookie: s.cookie, [CSRF_HEADER]: s.csrf, 'content-type': 'application/json' };
        switch (i % 5) {
          case 0:
            return { path: '/api/auth/me', headers, ok: 200 };
          case 1:
            return { path: '/api/hospitals', headers, ok: 200 };
          case 2:
            return { path: '/api/consultations', headers, ok: 200 };
          case 3:
            return {
              path: '/api/auth/me/locale',
              method: 'PUT',
              body: { locale: 'zh-CN' },
              headers,
              ok: 200,
            };
          default:
            // A failed login writes an audit row: a transaction holding the chain's advisory lock.
            return {
              path: '/api/auth/login',
              method: 'POST',
              body: { username: 'no.such.user', password: 'wrong-password' },
              headers: { 'content-type': 'application/json' },
              ok: 401,
            };
        }
      },
    );
    try {
      await waitFor(() => load.count('up') >= 200, 120_000, 'answers before the first restart');
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        phase = 'changing';
        await pgc.stop();
        phase = 'down';
        const downBefore = load.count('down');
        await waitFor(
          () => load.count('down') >= downBefore + 150,
          60_000,
          `503s while down (cycle ${cycle})`,
        );
        expect(server.alive(), server.output()).toBe(true);
        phase = 'changing';
        await pgc.start();
        await waitFor(
          async () => (await fetch(`${server.url}/api/health`)).status === 200,
          60_000,
          `health after restart (cycle ${cycle})`,
        );
        phase = 'up';
        const upBefore = load.count('up');
        await waitFor(
          () => load.count('up') >= upBefore + 200,
          120_000,
          `answers after restart (cycle ${cycle})`,
        );
        expect(server.alive(), server.output()).toBe(true);
      }
    } finally {
      await load.stop();
    }
    const r = load.results;
    const summary = (xs: typeof r) => [...new Set(xs.map((x) => `${x.phase} ${x.status} ${x.code ?? ''}`))];
    // Never a crash, a hang, a dropped connection or a 500 — in any phase.
    expect(summary(r.filter((x) => ![200, 401, 503].includes(x.status as number))), server.output()).toEqual(
      [],
    );
    // While the database is down every answer is a clear 503.
    const down = r.filter((x) => x.phase === 'down');
    expect(down.length).toBeGreaterThanOrEqual(CYCLES * 150);
    expect(summary(down.filter((x) => x.status !== 503 || x.code !== 'unavailable'))).toEqual([]);
    // Once it is back, every answer is the normal one again.
    const up = r.filter((x) => x.phase === 'up');
    expect(summary(up.filter((x) => x.status !== x.ok))).toEqual([]);
    expect(server.alive(), server.output()).toBe(true);
  });
});
