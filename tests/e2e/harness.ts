/**
 * End-to-end harness: the real server, built as `pnpm start` runs it (child process, `node dist/main.mjs`; global
 * setup builds what is stale), serving the built client on 127.0.0.1 and a random port with a DATA_DIR of its own
 * (a copy of the run's template unless the test needs a first start: startApp), and Debian's Chromium driven by
 * playwright-core.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Dialog, type Page } from 'playwright-core';
import { START_ARGS, startServer } from '../server-process';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/dicom-corpus');
export const ARTIFACTS = path.join(REPO_ROOT, 'tests/artifacts');
export const DEMO_PASSWORD = 'Demo-2026-consult';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags verified on this machine kind for headless WebRTC (see infra/README.md). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--auto-select-desktop-capture-source=Entire screen',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface AppProcess {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the server printed (for assertions and debugging). */
  output(): string;
  /** SIGTERM and wait for exit; the data dir is removed unless keepData. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  timeoutMs?: number;
  /** Start on an empty data directory, as a newcomer's first start does (never from the run's template). */
  fresh?: boolean;
}

/**
 * Settings a server reads as it runs, never into what its first start stores (the database, its first-start keys):
 * a server started with only these on a copy of the template is the one a first start with them would have made.
 */
const RUNTIME_ONLY = new Set([
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'PUBLIC_URL',
  'CORS_ORIGINS',
  'MFA_REQUIRED_ROLES',
  'SLA_EMERGENCY_HOURS',
  'SFU_WORKERS',
  'SFU_PEERS_PER_ROUTER',
  'SFU_LISTEN_IP',
  'SFU_ANNOUNCED_IP',
]);

/** The environment startApp gives a server, before the test's own. */
const appEnv = (dataDir: string): Record<string, string> => ({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  // The demo network, without the demo caseload: each test builds the cases it checks.
  SEED_DEMO_CASES: 'false',
});

/** The built server, as `pnpm start` runs it (a second less to start than from source through tsx). */
const fromBundle = (env: Record<string, string>, timeoutMs = 90_000) =>
  startServer(START_ARGS, { cwd: path.join(REPO_ROOT, 'server'), env, timeoutMs });

/**
 * This run's template (e2e/global-setup.ts names it): a data directory as a first start with startApp's
 * environment leaves it — initdb, migrations, the demo network and its argon2 hashes, ~8 s of a start on these
 * machines — made by the first start that can use it and copied for every later one. Null when the test needs a
 * first start of its own (`fresh`, a data directory of its own, or a setting that shapes what a first start stores).
 */
async function template(opts: StartOptions): Promise<string | null> {
  const dir = process.env.CONSULT_E2E_TEMPLATE;
  if (!dir || opts.fresh || opts.dataDir) return null;
  if (Object.keys(opts.env ?? {}).some((k) => !RUNTIME_ONLY.has(k))) return null;
  if (fs.existsSync(dir)) return dir;
  const making = `${dir}.${process.pid}`;
  fs.rmSync(making, { recursive: true, force: true });
  await (await fromBundle(appEnv(making))).stop();
  try {
    fs.renameSync(making, dir);
  } catch (e) {
    fs.rmSync(making, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw e;
  }
  return dir;
}

/** Start the platform's built server, serving the built client (both built by global setup when stale). */
export async function startApp(opts: StartOptions = {}): Promise<AppProcess> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'consult-e2e-'));
  const from = await template(opts);
  if (from) fs.cpSync(from, dataDir, { recursive: true });
  const server = await fromBundle({ ...appEnv(dataDir), ...opts.env }, opts.timeoutMs);
  return {
    ...server,
    dataDir,
    stop: async ({ keepData = false } = {}) => {
      await server.stop();
      if (!keepData && !opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}

const openPages = new Set<Page>();
const consoles = new WeakMap<Page, string[]>();

/** Keep what the page says on its console (and its uncaught errors), with the time since recording began. */
export function recordConsole(page: Page): void {
  if (consoles.has(page)) return;
  const lines: string[] = [];
  consoles.set(page, lines);
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  const t0 = Date.now();
  page.on('console', (m) => lines.push(`${Date.now() - t0} ms ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`${Date.now() - t0} ms pageerror: ${e.message}`));
}

/** The last `n` lines a page wrote to its console (recordConsole, or any page from newPage). */
export const consoleTail = (page: Page, n = 40): string =>
  (consoles.get(page) ?? []).slice(-n).join('\n    ');

/** Pages whose dialogs the test answers itself (answerDialogs). */
const dialogAnswers = new WeakMap<Page, (d: Dialog) => Promise<void>>();

/**
 * The browser asks "Leave site?" (beforeunload) while the app holds the page (client/src/app/leave-guard.ts: a
 * write or an upload on its way). A test that navigates away means to leave, so the question is accepted;
 * unanswered, it would stop the navigation and the test would hang. Other dialogs are dismissed, as Playwright does
 * when nothing listens. A test that answers a page's dialogs itself says so with answerDialogs.
 */
function answerDialogsByDefault(page: Page): void {
  page.on('dialog', (d) => {
    const own = dialogAnswers.get(page);
    const answer = own ? own(d) : d.type() === 'beforeunload' ? d.accept() : d.dismiss();
    void answer.catch(() => undefined); // the page may be closing meanwhile
  });
}

/** From now on `answer` answers every dialog on `page`, "Leave site?" included (accept: leave; dismiss: stay). */
export function answerDialogs(page: Page, answer: (d: Dialog) => Promise<void>): void {
  dialogAnswers.set(page, answer);
}

/** Requests held on their way (holdRequests): `arrived` once the first reached the route; `release()` lets all go. */
export interface HeldRequests {
  arrived: Promise<void>;
  release(): void;
}

/** Hold `page`'s requests matching `pattern` (a Playwright route glob) until released: the order is the test's. */
export async function holdRequests(page: Page, pattern: string): Promise<HeldRequests> {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((r) => (arrive = r));
  const released = new Promise<void>((r) => (release = r));
  await page.route(pattern, async (route) => {
    arrive();
    await released;
    await route.continue();
  });
  return { arrived, release };
}

/** A fresh context (own cookies) and page; `locale` sets navigator.language, which picks the UI language. */
export async function newPage(
  browser: Browser,
  opts: { locale?: string; viewport?: { width: number; height: number } } = {},
) {
  const context: BrowserContext = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    permissions: ['camera', 'microphone'],
  });
  const page = await context.newPage();
  recordConsole(page);
  answerDialogsByDefault(page);
  return { context, page };
}

/** Sign in through the login form and wait for the app shell. */
export async function login(
  page: Page,
  baseUrl: string,
  username: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('[data-testid=login-submit]').click();
  await expect.poll(() => page.locator('[data-testid=current-user]').count(), { timeout: 20_000 }).toBe(1);
}

/**
 * Call in a test file: every failed test leaves a screenshot of each open page in tests/artifacts/, and prints
 * the end of each page's console (what the client said while it failed).
 */
export function screenshotsOnFailure(): void {
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    let i = 0;
    for (const page of openPages) {
      const name = `${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}-${i++}.png`;
      await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true }).catch(() => undefined);
      const said = consoleTail(page);
      if (said) console.log(`console of ${page.url()} (${name}):\n    ${said}`);
    }
  });
}

/** A user signed in over the API (no browser): the session cookie and CSRF token to send. */
export interface ApiUser {
  cookie: string;
  csrf: string;
  id: string;
  hospitalId: string | null;
}

export async function apiLogin(
  baseUrl: string,
  username: string,
  password = DEMO_PASSWORD,
): Promise<ApiUser> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookie = /consult_sid=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
  const me = (await res.json()) as { id: string; csrfToken: string; hospital: { id: string } | null };
  return { cookie, csrf: me.csrfToken, id: me.id, hospitalId: me.hospital?.id ?? null };
}

/** Call the API as `who`; the body is JSON. Returns the status and the parsed body (null when not JSON). */
export async function apiCall(baseUrl: string, who: ApiUser, method: string, url: string, body?: unknown) {
  const res = await fetch(baseUrl + url, {
    method,
    headers: {
      cookie: who.cookie,
      'x-csrf-token': who.csrf,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads arbitrary response fields
  return { status: res.status, json: (await res.json().catch(() => null)) as any };
}

/**
 * The platform and a browser for one test file: started before its tests, closed after them. `set` receives both
 * (test files keep them in their own variables).
 */
export function withAppAndBrowser(
  set: (app: AppProcess, browser: Browser) => void,
  opts: StartOptions = {},
): void {
  let app: AppProcess | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    // Both at once; one that failed is closed by afterAll.
    const [a, b] = await Promise.allSettled([startApp(opts), launchBrowser()]);
    if (a.status === 'fulfilled') app = a.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    set(app!, browser!);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });
}
