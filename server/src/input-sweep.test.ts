/**
 * Generated from the OpenAPI document, over EVERY route (a new route is covered without editing this file):
 * - every string field of every JSON body and query holding NUL or a lone surrogate → 400 naming that field;
 * - every integer field of every JSON body and query set beyond a PostgreSQL integer → 400, and the document
 *   shows bounds within that range for every request integer;
 * - invalid JSON to every route that takes a body → 400, never 500;
 * - every answer under /api, /dicomweb, /wado carries no-store, the CSP, nosniff and the Referrer-Policy; hashed
 *   static assets are cached immutably, the page itself is revalidated.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@consult/shared';
import { makeTestApp, type Session, type TestApp } from './testing/harness';
import { INT_MAX, INT_MIN } from './plugins/input-guard';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
};
type Operation = {
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};

const USER_OF: Record<Role, string> = {
  county_doctor: 'lankao.doctor',
  specialist: 'pku.cardio',
  radiologist: 'pku.radiology',
  program_admin: 'program',
  sys_admin: 'sysadmin',
};

let t: TestApp;
let clientDist: string;
const sessions: Session[] = [];
const ops: { method: string; path: string; op: Operation }[] = [];

beforeAll(async () => {
  // A stand-in for the built client (index.html and one content-hashed asset), for the static caching rules.
  clientDist = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-dist-'));
  fs.mkdirSync(path.join(clientDist, 'assets'));
  fs.writeFileSync(path.join(clientDist, 'index.html'), '<!doctype html><div id="root"></div>');
  fs.writeFileSync(path.join(clientDist, 'assets', 'index-B3xK9qLw.js'), 'console.log(1)');
  t = await makeTestApp('pglite', { loginRateLimit: 100_000, clientDist });
  for (const r of ROLES) sessions.push(await t.login(USER_OF[r]));
  const doc = (await t.app.inject({ url: '/api/docs/json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  for (const [p, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods))
      ops.push({ method: method.toUpperCase(), path: p, op });
  }
});
afterAll(async () => {
  await t.close();
  fs.rmSync(clientDist, { recursive: true, force: true });
});

const url = (p: string, query = '') =>
  p.replace(/\{[^}]+\}/g, () => crypto.randomUUID()) + (query ? `?${query}` : '');
const jsonBody = (op: Operation) => op.requestBody?.content['application/json']?.schema;
const queryParams = (op: Operation) => (op.parameters ?? []).filter((x) => x.in === 'query');
const ofType = (s: Schema, type: string): boolean =>
  s.type === type ||
  (Array.isArray(s.type) && s.type.includes(type)) ||
  !!s.anyOf?.some((x) => ofType(x, type));

/** A value the schema accepts, as far as a generic generator can tell (formats, enums, minimums). */
function sample(s: Schema | undefined): unknown {
  if (!s) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined) return s.default;
  if (s.anyOf) return sample(s.anyOf[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return crypto.randomUUID();
      if (s.format === 'date') return '2026-12-01';
      if (s.format === 'date-time') return new Date().toISOString();
      return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items));
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k])]));
    default:
      return null;
  }
}

/** Send as the first role the route lets through its guards (so the answer is about the input). */
async function asPermitted(method: string, u: string, payload?: unknown) {
  let last = await t.as(sessions[0]!, { method: method as 'GET', url: u, payload: payload as object });
  for (const s of sessions.slice(1)) {
    if (last.statusCode !== 403) break;
    last = await t.as(s, { method: method as 'GET', url: u, payload: payload as object });
  }
  return last;
}

describe('text that cannot be stored (NUL, lone surrogates) → 400 naming the field, on every route', () => {
  it('covers every string field of every JSON body', async () => {
    let cases = 0;
    for (const { method, path: p, op } of ops) {
      const body = jsonBody(op);
      for (const [name, prop] of Object.entries(body?.properties ?? {})) {
        if (!ofType(prop, 'string')) continue;
        for (const bad of ['a\u0000b', 'a\ud800b', '\udfff']) {
          const res = await asPermitted(method, url(p), { ...(sample(body) as object), [name]: bad });
          expect([res.statusCode, res.json().field], `${method} ${p} ${name}=${JSON.stringify(bad)}`).toEqual(
            [400, `/body/${name}`],
          );
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(60);
  });

  it('covers every string query parameter and object keys', async () => {
    let cases = 0;
    for (const { method, path: p, op } of ops) {
      for (const q of queryParams(op)) {
        if (!ofType(q.schema, 'string')) continue;
        const res = await asPermitted(method, url(p, `${q.name}=a%00b`));
        expect([res.statusCode, res.json().field], `${method} ${p} ?${q.name} ${res.body}`).toEqual([
          400,
          `/querystring/${q.name}`,
        ]);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(20);
    const key = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'x', password: 'y', nested: { 'k\u0000': 1 } },
    });
    expect(key.statusCode).toBe(400);
  });
});

describe('integers beyond the column range → 400, on every route', () => {
  it('every request integer in the OpenAPI document is bounded within a PostgreSQL integer', () => {
    const unbounded: string[] = [];
    const walk = (s: Schema | undefined, where: string) => {
      if (!s) return;
      if (ofType(s, 'integer') && !s.anyOf) {
        if (s.maximum === undefined || s.maximum > INT_MAX || s.minimum === undefined || s.minimum < INT_MIN)
          unbounded.push(where);
      }
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${where}/${k}`);
      walk(s.items, `${where}/items`);
      s.anyOf?.forEach((x, i) => walk(x, `${where}/anyOf${i}`));
    };
    for (const { method, path: p, op } of ops) {
      walk(jsonBody(op), `${method} ${p} body`);
      for (const x of op.parameters ?? []) walk(x.schema, `${method} ${p} ${x.in} ${x.name}`);
    }
    expect(unbounded).toEqual([]);
  });

  it('answers 400 (never 500) for each integer field set to 2^31 or -2^31-1', async () => {
    let cases = 0;
    for (const { method, path: p, op } of ops) {
      const body = jsonBody(op);
      for (const [name, prop] of Object.entries(body?.properties ?? {})) {
        if (!ofType(prop, 'integer')) continue;
        for (const n of [INT_MAX + 1, INT_MIN - 1, 99999999999]) {
          const res = await asPermitted(method, url(p), { ...(sample(body) as object), [name]: n });
          expect([res.statusCode, res.json().code], `${method} ${p} ${name}=${n}`).toEqual([
            400,
            'validation',
          ]);
          cases++;
        }
      }
      for (const q of queryParams(op)) {
        if (!ofType(q.schema, 'integer')) continue;
        // The other query parameters get valid values, so the answer is about this one.
        const others = queryParams(op)
          .filter((x) => x.name !== q.name)
          .map((x) => `${x.name}=${encodeURIComponent(String(sample(x.schema)))}`);
        const res = await asPermitted(method, url(p, [...others, `${q.name}=99999999999`].join('&')));
        expect([res.statusCode, res.json().field], `${method} ${p} ?${q.name}`).toEqual([
          400,
          `/querystring/${q.name}`,
        ]);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(10);
  });
});

describe('invalid JSON → 400 on every route that takes a body', () => {
  it('answers 400 for a truncated JSON document, signed in or not', async () => {
    const bodyRoutes = t.app.registeredRoutes.filter((r) =>
      ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method),
    );
    expect(bodyRoutes.length).toBeGreaterThan(30);
    const seen = new Set<string>();
    for (const r of bodyRoutes) {
      const u = url(r.url.replace(/:[A-Za-z]+/g, '{x}'));
      if (seen.has(`${r.method} ${r.url}`)) continue;
      seen.add(`${r.method} ${r.url}`);
      for (const s of [null, sessions[4]!, sessions[0]!]) {
        const res = await t.as(s, {
          method: r.method as 'POST',
          url: u,
          headers: { 'content-type': 'application/json' },
          payload: '{"name": "x", ',
        });
        // The OAuth token endpoint answers in RFC 6749's own error format (§5.2).
        const oauth = r.url.startsWith('/oauth/');
        const fault = oauth ? res.json().error : res.json().code;
        expect([res.statusCode, fault], `${r.method} ${r.url}`).toEqual([
          400,
          oauth ? 'invalid_request' : 'validation',
        ]);
      }
    }
  });
});

describe('security and caching headers on every answer', () => {
  const expectHeaders = (res: { headers: Record<string, unknown> }, what: string) => {
    const csp = String(res.headers['content-security-policy']);
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(/script-src [^;]*'unsafe-inline'/.test(csp), what).toBe(false);
    expect(res.headers['x-content-type-options'], what).toBe('nosniff');
    expect(res.headers['referrer-policy'], what).toBe('no-referrer');
  };

  it('every API, DICOMweb and WADO route answers no-store, whatever the status and the caller', async () => {
    let cases = 0;
    for (const { method, path: p } of ops.filter((o) => o.method === 'GET')) {
      for (const s of [null, sessions[0]!, sessions[2]!, sessions[4]!]) {
        const res = await t.as(s, { method: 'GET', url: url(p) });
        expect(res.headers['cache-control'], `${method} ${p} → ${res.statusCode}`).toBe('no-store');
        expectHeaders(res, `${method} ${p}`);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(150);
    for (const u of ['/api/no/such', '/dicomweb/nothing', '/wado?requestType=WADO', '/fhir/Patient']) {
      expect((await t.app.inject({ url: u })).headers['cache-control'], u).toBe('no-store');
    }
  });

  it('caches hashed assets immutably and revalidates the page', async () => {
    const asset = await t.app.inject({ url: '/assets/index-B3xK9qLw.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const u of ['/', '/consultations/123']) {
      const page = await t.app.inject({ url: u });
      expect(page.statusCode, u).toBe(200);
      expect(page.headers['cache-control'], u).toBe('no-cache');
      expectHeaders(page, u);
    }
  });
});
