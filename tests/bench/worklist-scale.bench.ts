/**
 * Worklist scale benchmark (`pnpm bench worklist-scale`): is the consultation list flat from 1k to 1M requests?
 *
 * Data: two platform processes on PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test),
 * each on its own fresh schema (dropped at the end), demo network seeded. In each, Lankao's county doctor files
 * one request through the API; SQL generate_series then copies it to SMALL (default 1,000) and LARGE (default
 * 1,000,000; BENCH_LARGE) requests in all (server/src/consultations/bulk.test-helper.ts: urgencies and 8 states
 * cycle, every 7th assigned to pku.cardio, updated_at repeating every 997 rows), then VACUUM ANALYZE.
 * pku.cardio sees the triage queue (a quarter of the rows) and the cases assigned to them.
 *
 * Measured, per scale, with autocannon (CONNECTIONS connections, BENCH_REQUESTS requests per cell, default 1500,
 * after 200 unmeasured), p95 latency and requests/s (answers over the time from the first request to the last
 * answer; autocannon's own duration counts whole seconds) of the authenticated list:
 *   page 1 (view=all, 50 rows), a deep page (the cursor of the row at 90 % of the specialist's list), the queue
 *   view's page 1, the county doctor's page 1 (owner of every row), and GET /api/worklist of both (the specialist's
 *   triage queue holds a quarter of the rows; the county doctor's drafts an eighth).
 * The two scale processes run with LIST_PAGE_CACHE=false: every page is read from the database, which is what the
 * scale cells are about.
 * Baseline for the per-request cost: a bare Fastify process serving the same page-1 JSON (captured from the
 * platform at the large scale) on the same route shape with the same response schema (ConsultationPage). Against
 * it, the specialist's page 1 at the large scale twice: read from the database every time (the large process), and
 * from a third platform process on the same schema with the default LIST_PAGE_CACHE=true (the same page asked
 * again and again while nothing changes: answered from memory after the first, still audited per answer).
 * ROUNDS (default 3) rounds; in each the cells run in alternating order (small/large; baseline, read, kept and
 * back); printed: the median of the rounds' p95 with its spread (min–max), and the ratios large/small (target ≤ 2)
 * and list/baseline requests/s (target ≥ 0.5) for both, with the CPU time per request behind them: of the platform
 * process and of the PostgreSQL backends its pool holds (/proc: its sockets to the database's port, matched to
 * pg_stat_activity's client_port), against the baseline process's.
 * Also printed: EXPLAIN (ANALYZE, BUFFERS) at the large scale of every list view's page (and count) statement, as
 * the GENERIC plan its named prepared statement keeps (list-queries.ts), and of the worklist's case sections (each
 * must walk an index in its order: no Sort over the table, no Seq Scan), the
 * time to generate the rows, and the read audit: list and worklist requests answered 2xx vs `consultation.list` and
 * `worklist.read` records in the chain after each platform's clean shutdown (must be equal).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DbHandle } from '../../server/src/db/connect';
import {
  actorByUsername,
  analyzeConsultations,
  backendPids,
  countAudited,
  dropSchemaOf,
  insertBulkConsultations,
  specialistDeepCursor,
} from '../../server/src/consultations/bulk.test-helper';
import { explainList } from '../../server/src/consultations/list-queries';
import { decodeCursor, type CursorKey } from '../../server/src/consultations/cursor';
import { explainSection } from '../../server/src/worklist/section-queries';
import type { Actor } from '../../server/src/auth/actor';
import type { ConsultationQuery } from '@consult/shared';
import { connectedPorts, cpuProbe, SERVER_DIR, startProc, type CpuProbe, type Proc } from './server-process';
import { measureCell, type Cell } from './autocannon-cell';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Requests per cell (autocannon `amount`: every request sent is answered and counted, none abandoned). */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const WARMUP = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SMALL = Number(process.env.BENCH_SMALL ?? 1000);
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);
const CONNECTIONS = 10;
const PASSWORD = 'Demo-2026-consult';

interface Scale {
  name: string;
  rows: number;
  schema: string;
  proc: Proc;
  dbh: DbHandle;
  dataDir: string;
  cookies: Record<string, string>;
  deepCursor: string;
  served: number;
  servedWorklists: number;
}

async function login(url: string, username: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

async function fileTemplate(url: string): Promise<string> {
  const { cookie, csrf } = await login(url, 'lankao.doctor');
  const h = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}${p}`, {
      method,
      headers: h,
      body: body ? JSON.stringify(body) : undefined,
    });
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const target = (await call<{ id: string; tier: string }[]>('GET', '/api/hospitals')).find(
    (x) => x.tier === 'tertiary',
  )!;
  const p = await call<{ id: string }>('POST', '/api/patients', {
    name: '测试患者',
    sex: 'female',
    birthDate: '1960-05-01',
    povertyRegistered: true,
  });
  const k = await call<{ cases: { id: string }[] }>('POST', `/api/patients/${p.id}/cases`, {
    diagnosis: '高血压',
    icd10: 'I10',
    status: 'chronic',
  });
  const c = await call<{ id: string }>('POST', '/api/consultations', {
    patientId: p.id,
    caseId: k.cases[0]!.id,
    type: 'remote_consultation',
    urgency: 'urgent',
    clinicalQuestion: '血压控制方案？',
    targetHospitalId: target.id,
  });
  return c.id;
}

function actorOf(s: Scale, username: string) {
  return actorByUsername(s.dbh.db, username);
}

/** The environment of a platform process on `schema` (its DATA_DIR added by the caller). */
const platformEnv = (schema: string) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SEED_DEMO_CASES: 'false',
  DATABASE_URL: PG_URL,
  DATABASE_SCHEMA: schema,
  SLA_CHECK_SECONDS: '0',
});

async function setUp(name: string, rows: number): Promise<Scale> {
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-bench-'));
  const env = { DATA_DIR: dataDir };
  const proc = await startProc(
    ['--import', 'tsx', 'src/main.ts'],
    // The scale cells measure the database's side: every page read (the kept pages are measured on their own).
    { ...env, ...platformEnv(schema), LIST_PAGE_CACHE: 'false' },
    SERVER_DIR,
  );
  const dbh = await openDatabase({ databaseUrl: PG_URL, schema, dataDir: null });
  const s: Scale = {
    name,
    rows,
    schema,
    proc,
    dbh,
    dataDir,
    cookies: {},
    deepCursor: '',
    served: 0,
    servedWorklists: 0,
  };
  const templateId = await fileTemplate(proc.url);
  const cardio = await actorOf(s, 'pku.cardio');
  const t0 = performance.now();
  const BATCH = 100_000;
  for (let from = 1; from < rows; from += BATCH)
    await insertBulkConsultations(dbh.db, {
      templateId,
      count: Math.min(BATCH, rows - from),
      from,
      assignTo: cardio.id,
      assignEvery: 7,
    });
  await analyzeConsultations(dbh.db);
  console.log(
    `${name}: ${rows} consultations generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  for (const u of ['pku.cardio', 'lankao.doctor']) s.cookies[u] = (await login(proc.url, u)).cookie;
  // The deep page: the cursor of the row at 90 % of the specialist's list (view=all, recent order).
  const deep = await specialistDeepCursor(dbh.db, cardio, 0.9);
  s.deepCursor = deep.cursor;
  console.log(`${name}: pku.cardio sees ${deep.visible} requests; deep page after row ${deep.skip}`);
  return s;
}

const DB_PORT = Number(new URL(PG_URL).port || 5432);
/** The CPU of a platform process on the scale's schema (its own by default) and of the backends its pool holds. */
function dbProbe(s: Scale, proc: Proc = s.proc): CpuProbe {
  const pid = proc.proc.pid!;
  return cpuProbe(pid, () => backendPids(s.dbh.db, connectedPorts(pid, DB_PORT)));
}

function median(xs: number[]) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
function fmt(xs: number[], unit: string, d = 1) {
  return `${median(xs).toFixed(d)} ${unit} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
}

function auditedLists(s: Scale) {
  return countAudited(s.dbh.db, 'consultation.list');
}

async function main() {
  const scales: Scale[] = [];
  const procs: Proc[] = [];
  let cachedProc: Proc | null = null;
  let failed = false;
  try {
    scales.push(await setUp('small', SMALL));
    scales.push(await setUp('large', LARGE));
    const [small, large] = scales as [Scale, Scale];
    const cells: Record<string, (s: Scale) => { path: string; user: string }> = {
      'specialist page 1': () => ({ path: '/api/consultations?view=all&limit=50', user: 'pku.cardio' }),
      'specialist deep page': (s) => ({
        path: `/api/consultations?view=all&limit=50&cursor=${s.deepCursor}`,
        user: 'pku.cardio',
      }),
      'specialist queue page 1': () => ({
        path: '/api/consultations?view=queue&limit=50',
        user: 'pku.cardio',
      }),
      'county doctor page 1': () => ({ path: '/api/consultations?view=all&limit=50', user: 'lankao.doctor' }),
      'specialist /api/worklist': () => ({ path: '/api/worklist', user: 'pku.cardio' }),
      'county doctor /api/worklist': () => ({ path: '/api/worklist', user: 'lankao.doctor' }),
    };
    const pageFile = path.join(large.dataDir, 'page.json');
    const page1 = await fetch(`${large.proc.url}/api/consultations?view=all&limit=50`, {
      headers: { cookie: large.cookies['pku.cardio']! },
    });
    fs.writeFileSync(pageFile, await page1.text());
    large.served += 1;
    const baseline = await startProc(
      ['--import', 'tsx', path.join(import.meta.dirname, 'page-server.ts'), pageFile],
      {},
      SERVER_DIR,
    );
    procs.push(baseline);
    // A second platform process on the large schema, keeping pages (LIST_PAGE_CACHE's default): the same
    // sessions (they live in the database), the same page; its answers are audited in the same chain.
    const cachedDir = path.join(large.dataDir, 'kept');
    fs.mkdirSync(cachedDir);
    const cached = await startProc(
      ['--import', 'tsx', 'src/main.ts'],
      { ...platformEnv(large.schema), DATA_DIR: cachedDir },
      SERVER_DIR,
    );
    cachedProc = cached;

    console.log(
      `${CONNECTIONS} connections, ${REQUESTS} requests per cell (+${WARMUP} warm-up), ${ROUNDS} rounds, ${os.cpus().length} CPUs, Node ${process.version}`,
    );
    const measure = (url: string, headers: Record<string, string>, probe?: CpuProbe) =>
      measureCell({ url, headers, connections: CONNECTIONS, warmup: WARMUP, requests: REQUESTS }, probe);
    const p95: Record<string, number[]> = {};
    const rps: Record<string, number[]> = {};
    const cpu: Record<string, { server: number[]; db: number[] }> = {};
    const keep = (key: string, c: Cell) => {
      (p95[key] ??= []).push(c.p95);
      (rps[key] ??= []).push(c.rps);
      if (c.cpu) {
        (cpu[key] ??= { server: [], db: [] }).server.push(c.cpu.server);
        cpu[key].db.push(c.cpu.db);
      }
      if (c.bad) failed = true;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [large, small] : [small, large];
      for (const [cell, at] of Object.entries(cells))
        for (const s of order) {
          const { path: p, user } = at(s);
          const c = await measure(`${s.proc.url}${p}`, { cookie: s.cookies[user]! });
          if (p.startsWith('/api/worklist')) s.servedWorklists += c.ok;
          else s.served += c.ok;
          keep(`${cell} @${s.name}`, c);
        }
      const kinds = ['base', 'ours', 'kept'];
      for (const which of round % 2 ? kinds.reverse() : kinds) {
        if (which === 'base')
          keep(
            'baseline',
            await measure(
              `${baseline.url}/api/consultations?view=all&limit=50`,
              {},
              cpuProbe(baseline.proc.pid!),
            ),
          );
        else {
          const kept = which === 'kept';
          const c = await measure(
            `${(kept ? cached : large.proc).url}/api/consultations?view=all&limit=50`,
            { cookie: large.cookies['pku.cardio']! },
            dbProbe(large, kept ? cached : large.proc),
          );
          large.served += c.ok;
          keep(kept ? 'kept vs baseline' : 'ours vs baseline', c);
        }
      }
    }
    console.log('\np95 latency, median of rounds (min–max):');
    for (const cell of Object.keys(cells)) {
      const a = p95[`${cell} @small`]!;
      const b = p95[`${cell} @large`]!;
      console.log(
        `  ${cell.padEnd(26)} ${SMALL}: ${fmt(a, 'ms')}   ${LARGE}: ${fmt(b, 'ms')}   ratio large/small ${(median(b) / median(a)).toFixed(2)} (target ≤ 2)`,
      );
    }
    const base = rps['baseline']!;
    console.log(
      `\nrequests/s, page 1 at ${LARGE}: bare Fastify, same page and schema ${fmt(base, 'req/s', 0)} (the ${os.cpus().length} cores also run autocannon)`,
    );
    for (const [key, what] of [
      ['kept vs baseline', 'list, unchanged page answered from memory (LIST_PAGE_CACHE=true, the default)'],
      ['ours vs baseline', 'list, every page read from the database (LIST_PAGE_CACHE=false)'],
    ] as const) {
      const r = rps[key]!;
      const c = cpu[key]!;
      console.log(`  ${what}: ${fmt(r, 'req/s', 0)}`);
      console.log(`    ratio list / bare Fastify: ${(median(r) / median(base)).toFixed(2)} (target ≥ 0.5)`);
      console.log(
        `    CPU per request: ${fmt(c.server, 'ms', 2)} in the server + ${fmt(c.db, 'ms', 2)} in its PostgreSQL backends; bare Fastify ${fmt(cpu['baseline']!.server, 'ms', 2)}`,
      );
    }

    const cardio = await actorOf(large, 'pku.cardio');
    const county = await actorOf(large, 'lankao.doctor');
    const views: [string, Actor, ConsultationQuery, CursorKey | null][] = [
      ['pku.cardio, view=all, page 1', cardio, { view: 'all' }, null],
      ['pku.cardio, view=all, deep page', cardio, { view: 'all' }, decodeCursor(large.deepCursor, 'recent')],
      ['pku.cardio, view=queue, page 1', cardio, { view: 'queue' }, null],
      ['lankao.doctor, view=all, page 1', county, { view: 'all' }, null],
    ];
    for (const [label, actor, q, cursor] of views) {
      const plans = await explainList(large.dbh.db, actor, q, cursor, 50);
      console.log(`\nEXPLAIN list at ${LARGE} (${label}):\n${plans.page}`);
      if (!cursor) console.log(`\nEXPLAIN capped count (${label}):\n${plans.count}`);
    }
    const sections: [string, Actor, Parameters<typeof explainSection>[2]][] = [
      ['pku.cardio', cardio, 'triage'],
      ['pku.cardio', cardio, 'mine'],
      ['lankao.doctor', county, 'drafts'],
      ['lankao.doctor', county, 'returned'],
    ];
    for (const [who, actor, name] of sections)
      console.log(
        `\nEXPLAIN /api/worklist section ${name} at ${LARGE} (${who}):\n${await explainSection(large.dbh.db, actor, name)}`,
      );
  } finally {
    for (const p of procs) await p.stop();
    await cachedProc?.stop(); // before the large scale's audit count: its answers are in that chain
    for (const s of scales) {
      await s.proc.stop(); // SIGTERM: a clean shutdown appends every queued read audit
      const audited = await auditedLists(s);
      const worklists = await countAudited(s.dbh.db, 'worklist.read');
      const same = audited === s.served && worklists === s.servedWorklists;
      if (!same) failed = true;
      console.log(
        `read audit @${s.name}: ${s.served} list requests answered 2xx, ${audited} consultation.list records; ${s.servedWorklists} worklist requests, ${worklists} worklist.read records in the chain after shutdown ${same ? '(equal)' : '(MISMATCH)'}`,
      );
      await dropSchemaOf(s.dbh.db, s.schema);
      await s.dbh.close();
      fs.rmSync(s.dataDir, { recursive: true, force: true });
    }
  }
  if (failed) {
    console.log('FAILED: some requests did not answer 2xx');
    process.exitCode = 1;
  }
}

await main();
