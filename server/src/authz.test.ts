/**
 * Authorization matrix of the foundation routes (every route × role → status), plus a sweep over EVERY route
 * any capability registers: without a session, nothing but the public endpoints answers anything but 401.
 * Capabilities keep their own matrices beside their code (e.g. consultations/authz.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@consult/shared';
import { hospitalId, makeTestApp, type Session, type TestApp } from './testing/harness';

const USER_OF: Record<Role, string> = {
  county_doctor: 'lankao.doctor',
  specialist: 'pku.cardio',
  radiologist: 'pku.radiology',
  program_admin: 'program',
  sys_admin: 'sysadmin',
};

let t: TestApp;
const sessions = {} as Record<Role, Session>;
const ids: Record<string, string> = {};
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  t = await makeTestApp('pglite');
  for (const r of ROLES) sessions[r] = await t.login(USER_OF[r]);
  ids.lankao = await hospitalId(t.db, 'Lankao');
  ids.wanquan = await hospitalId(t.db, 'Wanquan');
  ids.pairing = (await t.db.selectFrom('pairings').select('id').executeTakeFirstOrThrow()).id;
  ids.user = (
    await t.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'yonghe.doctor')
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(() => t.close());

type Case = {
  name: string;
  method: string;
  url: () => string;
  body?: () => unknown;
  expect: Record<Role, number>;
};
const all = (n: number): Record<Role, number> => ({
  county_doctor: n,
  specialist: n,
  radiologist: n,
  program_admin: n,
  sys_admin: n,
});
const admins = (ok: number, other: number): Record<Role, number> => ({
  ...all(other),
  program_admin: ok,
  sys_admin: ok,
});

let seq = 0;
const MATRIX: Case[] = [
  { name: 'me', method: 'GET', url: () => '/api/auth/me', expect: all(200) },
  { name: 'list hospitals', method: 'GET', url: () => '/api/hospitals', expect: all(200) },
  {
    name: 'own/paired hospital',
    method: 'GET',
    url: () => `/api/hospitals/${ids.lankao}`,
    expect: { ...all(200) },
  },
  // Wanquan is not paired with Lankao or PKU First: clinicians of those hospitals get 404 (existence not leaked).
  {
    name: 'other hospital',
    method: 'GET',
    url: () => `/api/hospitals/${ids.wanquan}`,
    expect: { ...all(404), program_admin: 200, sys_admin: 200 },
  },
  {
    name: 'other hospital departments',
    method: 'GET',
    url: () => `/api/hospitals/${ids.wanquan}/departments`,
    expect: { ...all(404), program_admin: 200, sys_admin: 200 },
  },
  { name: 'list pairings', method: 'GET', url: () => '/api/pairings', expect: all(200) },
  {
    name: 'create hospital',
    method: 'POST',
    url: () => '/api/hospitals',
    body: () => ({ nameZh: `测试医院${++seq}`, nameEn: `Test ${seq}`, tier: 'county', region: 'x' }),
    expect: admins(201, 403),
  },
  {
    name: 'update hospital',
    method: 'PATCH',
    url: () => `/api/hospitals/${ids.lankao}`,
    body: () => ({ region: '河南省开封市 Kaifeng, Henan' }),
    expect: admins(200, 403),
  },
  {
    name: 'create department',
    method: 'POST',
    url: () => `/api/hospitals/${ids.lankao}/departments`,
    body: () => ({ nameZh: `科室${++seq}`, nameEn: `Dept ${seq}` }),
    expect: admins(201, 403),
  },
  {
    name: 'update pairing',
    method: 'PATCH',
    url: () => `/api/pairings/${ids.pairing}`,
    body: () => ({ programName: 'renamed' }),
    expect: admins(200, 403),
  },
  { name: 'list users', method: 'GET', url: () => '/api/users', expect: admins(200, 403) },
  {
    name: 'update user',
    method: 'PATCH',
    url: () => `/api/users/${ids.user}`,
    body: () => ({ displayName: '王强' }),
    expect: admins(200, 403),
  },
  {
    name: 'reset password',
    method: 'POST',
    url: () => `/api/users/${ids.user}/password`,
    // A new password each time: the same one twice is refused (no reuse of the last PASSWORD_HISTORY).
    body: () => ({ password: `reset-pass-${crypto.randomUUID().slice(0, 8)}` }),
    expect: admins(200, 403),
  },
  { name: 'audit log', method: 'GET', url: () => '/api/audit', expect: { ...all(403), sys_admin: 200 } },
  {
    name: 'audit verify',
    method: 'GET',
    url: () => '/api/audit/verify',
    expect: { ...all(403), sys_admin: 200 },
  },
  { name: 'notifications', method: 'GET', url: () => '/api/notifications', expect: all(200) },
];

describe('foundation authorization matrix', () => {
  for (const c of MATRIX) {
    it(`${c.method} ${c.name}`, async () => {
      const got: Record<string, number> = {};
      for (const r of ROLES) {
        const res = await t.as(sessions[r], {
          method: c.method as 'GET',
          url: c.url(),
          ...(c.body ? { payload: c.body() as object } : {}),
        });
        got[r] = res.statusCode;
      }
      expect(got).toEqual(c.expect);
    });
  }
});

describe('every registered route refuses anonymous callers', () => {
  const PUBLIC = new Set([
    'POST /api/auth/login',
    'GET /api/health',
    'GET /api/reports/public-key',
    'GET /api/signers/ca',
    'GET /api/signers/ca/crl',
  ]);
  it('answers 401 without a session (except login, health and published keys)', async () => {
    routes.push(...t.app.registeredRoutes);
    const checked: string[] = [];
    for (const r of routes) {
      if (!/^\/(api|dicomweb|wado)(\/|$)/.test(r.url) || r.url.startsWith('/api/docs')) continue;
      if (r.method === 'HEAD' || r.method === 'OPTIONS') continue;
      if (PUBLIC.has(`${r.method} ${r.url}`)) continue;
      const url = r.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000').replace(/\*$/, 'x');
      const res = await t.app.inject({
        method: r.method as 'GET',
        url,
        payload: r.method === 'GET' ? undefined : {},
      });
      checked.push(`${r.method} ${r.url} → ${res.statusCode}`);
      expect.soft(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });
});
