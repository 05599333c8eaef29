/**
 * The built artefacts `pnpm start` serves (infra/build.mjs): the esbuild server bundle starts on an empty data dir
 * without tsx, serves the built client to a real browser where a demo user signs in, finds files shipped next to
 * the bundle (ICD-10 table), runs the bundled PDF worker thread, and the build is redone only when stale; the
 * client's entry stays small with the app's chunk linked beside it.
 * (The other e2e tests run the same bundle from a copy of a started data dir; this file covers the first start,
 * the build and what ships beside it.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ReportDocument } from '../../server/src/reports/document';
import { pdfText, sampleContent } from '../../server/src/reports/fixtures.test-helper';
import { START_ARGS, startServer } from '../server-process';
import { apiCall, apiLogin, DEMO_PASSWORD, launchBrowser, login, newPage, REPO_ROOT } from './harness';

const DIST = path.join(REPO_ROOT, 'server/dist');
const build = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'infra/build.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });

/** The built server (`node dist/main.mjs`, as `pnpm start` runs it) with `env`, once it listens. */
const startBuilt = (nodeArgs: string[], env: Record<string, string>) =>
  startServer([...nodeArgs, ...START_ARGS], {
    cwd: path.join(REPO_ROOT, 'server'),
    env: { PORT: '0', HOST: '127.0.0.1', SEED_DEMO_CASES: 'false', ...env },
  });

describe('the build', () => {
  it('is redone only when stale: --check names a stale server bundle, a build makes it current', () => {
    const first = build();
    expect(first.status, first.stderr).toBe(0);
    const check = build('--check');
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toBe('');

    const old = new Date('2001-01-01T00:00:00Z');
    fs.utimesSync(path.join(DIST, 'main.mjs'), old, old);
    const stale = build('--check');
    expect(stale.status).toBe(1);
    expect(stale.stdout).toContain('server: stale');
    expect(stale.stdout).not.toContain('client');

    const again = build();
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('build server (stale)');
    expect(again.stdout).not.toContain('build client');
    expect(build('--check').status).toBe(0);
    for (const f of ['main.mjs', 'pdf-worker-entry.mjs', 'codes.tsv'])
      expect(fs.existsSync(path.join(DIST, f))).toBe(true);
    // Workspace contracts are bundled in; no TypeScript is left to load at run time.
    expect(fs.readFileSync(path.join(DIST, 'main.mjs'), 'utf8')).not.toMatch(/from ["']@consult\/shared["']/);
  });
});

describe('the built client', () => {
  // A room link's join starts from the page's entry (client/src/boot.ts) while the app's chunk still loads: the
  // entry stays small, and index.html links the app chunk and its styles so they load alongside, not after it.
  it("keeps the page's entry small and links the app's chunk from index.html", () => {
    expect(build().status).toBe(0);
    const dist = path.join(REPO_ROOT, 'client/dist');
    const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
    const entry = /<script type="module" crossorigin src="\/(assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
    const app = /<link rel="modulepreload" crossorigin="" href="\/(assets\/start-[\w-]+\.js)"/.exec(
      html,
    )?.[1];
    expect(entry, html).toBeDefined();
    expect(app, html).toBeDefined();
    const size = (f: string) => fs.statSync(path.join(dist, f)).size;
    expect(size(entry!)).toBeLessThan(120_000);
    expect(size(app!)).toBeGreaterThan(size(entry!) * 4);
    for (const css of html.matchAll(
      /<link rel="stylesheet" crossorigin(?:="")? href="\/(assets\/[\w-]+\.css)"/g,
    ))
      expect(fs.existsSync(path.join(dist, css[1]!))).toBe(true);
    expect(html).toMatch(/href="\/assets\/start-[\w-]+\.css"/);
  });
});

describe('the built server', () => {
  let server: Awaited<ReturnType<typeof startBuilt>>;
  let url = '';
  let browser: Browser;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-built-'));

  beforeAll(async () => {
    expect(build().status).toBe(0);
    server = await startBuilt([], { DATA_DIR: dataDir });
    url = server.url;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on an empty data dir without tsx, seeds the demo network and is ready', async () => {
    expect(server.output()).toContain('lankao.doctor');
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.database?.ok).toBe(
      true,
    );
  });

  it('serves the built client: a demo user signs in in Chromium and searches ICD-10 (the table shipped beside the bundle)', async () => {
    const { page } = await newPage(browser);
    await login(page, url, 'pku.cardio', DEMO_PASSWORD);
    const codes = await page.evaluate(async () => {
      const r = await fetch('/api/reports/icd10?q=I21');
      return { status: r.status, body: (await r.json()) as { code: string }[] };
    });
    expect(codes.status).toBe(200);
    expect(codes.body.map((c) => c.code)).toContain('I21.0');
  });

  it('runs the bundled PDF worker thread: a signed report renders to a PDF with its CJK text', async () => {
    const w = new Worker(path.join(DIST, 'pdf-worker-entry.mjs'));
    try {
      const answer = await new Promise<{ id: number; ok: boolean; pdf?: Uint8Array; message?: string }>(
        (resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.postMessage({ id: 7, doc: reportDocument(), lang: 'zh-CN' });
        },
      );
      expect(answer, answer.message).toMatchObject({ id: 7, ok: true });
      const text = pdfText(answer.pdf!);
      expect(text).toContain('王某');
      expect(text).toContain('兰考县人民医院');
    } finally {
      await w.terminate();
    }
  });
});

// Issue 14's idle footprint: what a server does not use until a request needs it is not loaded at start. The modules
// the built server loads are recorded by a resolve hook (module.registerHooks: ESM imports and require alike).
describe('the built server on PostgreSQL', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-built-pg-'));
  const resolved = path.join(work, 'resolved.log');
  const hook = path.join(work, 'hook.mjs');
  const schema = `built_${process.pid}_${Date.now().toString(36)}`;
  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let server: Awaited<ReturnType<typeof startBuilt>>;
  const loaded = () => fs.readFileSync(resolved, 'utf8');

  beforeAll(async () => {
    expect(build().status).toBe(0);
    fs.writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
import fs from 'node:fs';
registerHooks({ resolve(s, c, next) { const r = next(s, c); fs.appendFileSync(${JSON.stringify(resolved)}, r.url + '\\n'); return r; } });
`,
    );
    server = await startBuilt(['--import', hook], {
      DATA_DIR: path.join(work, 'data'),
      DATABASE_URL: pgUrl,
      DATABASE_SCHEMA: schema,
      MFA_REQUIRED_ROLES: '',
    });
  });
  afterAll(async () => {
    await server?.stop();
    // node-postgres is the server's dependency.
    const pg = createRequire(path.join(REPO_ROOT, 'server/package.json'))('pg') as {
      Client: new (o: { connectionString: string }) => {
        connect(): Promise<void>;
        query(q: string): Promise<unknown>;
        end(): Promise<void>;
      };
    };
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('loads neither the embedded database nor the DICOM dictionary at start; the dictionary comes with a query naming an attribute', async () => {
    expect(loaded()).toContain('/node_modules/fastify/'); // the hook records what loads
    expect(loaded()).not.toContain('@electric-sql/pglite');
    expect(loaded()).not.toContain('dicom-data-dictionary');
    const { url } = server;
    const doctor = await apiLogin(url, 'lankao.doctor');
    const qido = await apiCall(url, doctor, 'GET', '/dicomweb/studies?includefield=StudyDescription');
    expect(qido.status).toBe(200);
    expect(loaded()).toContain('dicom-data-dictionary');
    const unknown = await apiCall(url, doctor, 'GET', '/dicomweb/studies?includefield=NoSuchKeyword');
    expect(unknown.status).toBe(400);
    expect(loaded()).not.toContain('@electric-sql/pglite');
  });
});

/** A complete signed report as the reports capability loads it (names and ids invented). */
function reportDocument(): ReportDocument {
  const h = {
    id: '44444444-4444-4444-8444-444444444444',
    nameZh: '北京大学第一医院',
    nameEn: 'PKU First',
    region: '北京市',
  };
  return {
    reportId: '11111111-1111-4111-8111-111111111111',
    status: 'signed',
    acknowledgedAt: null,
    signature: 'c2ln',
    keyFingerprint: 'ab'.repeat(32),
    payload: {
      type: 'consult.remote-diagnosis-report/1',
      reportId: '11111111-1111-4111-8111-111111111111',
      consultationId: '22222222-2222-4222-8222-222222222222',
      version: 1,
      signedAt: '2026-11-25T08:00:00.000Z',
      signer: {
        id: '33333333-3333-4333-8333-333333333333',
        name: '陈教授',
        role: 'specialist',
        hospitalId: h.id,
      },
      amendmentReason: null,
      previous: null,
      content: sampleContent(),
    },
    consultation: {
      id: '22222222-2222-4222-8222-222222222222',
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion: '胸痛',
      historySummary: '',
      submittedAt: null,
      requesterId: '55555555-5555-4555-8555-555555555555',
      requesterName: '张伟',
    },
    patient: {
      id: '66666666-6666-4666-8666-666666666666',
      name: '王某',
      sex: 'male',
      birthDate: '1961-04-12',
      povertyRegistered: true,
    },
    requesting: {
      id: '77777777-7777-4777-8777-777777777777',
      nameZh: '兰考县人民医院',
      nameEn: 'Lankao',
      region: '河南',
    },
    consulting: h,
    signerHospital: h,
    studies: [],
  };
}
