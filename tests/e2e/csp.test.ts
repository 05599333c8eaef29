/**
 * The built client works under the server's Content-Security-Policy (no inline script): signed in as clinicians,
 * administrators and a radiologist, every main page renders and the viewer decodes a JPEG 2000 image (WebAssembly
 * codec) with ZERO CSP violations reported by Chromium; the API docs page works too; and the policy forbids inline
 * script and framing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  apiLogin,
  CORPUS_DIR,
  login,
  newPage,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** A page that records every CSP violation: the DOM event and Chromium's console report. */
async function watchedPage() {
  const { page, context } = await newPage(browser);
  const violations: string[] = [];
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const all = async (p: Page) => [...violations, ...((await p.evaluate(() => window.__cspViolations)) ?? [])];
  return { page, context, violations: () => all(page) };
}

const litPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewport] canvas');
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 0) n++;
    return n;
  });

describe('the client under the Content-Security-Policy', () => {
  it('the page is served with a CSP that forbids inline script and framing', async () => {
    const res = await fetch(`${app.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // No inline script in the built page itself.
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  });

  for (const [username, pages] of [
    ['lankao.doctor', ['/', '/consultations', '/consultations/new', '/imaging', '/imaging/upload']],
    ['program', ['/dashboard', '/admin/hospitals', '/admin/pairings', '/admin/users']],
    ['sysadmin', ['/admin/audit']],
  ] as const) {
    it(`${username}: every page renders with no CSP violation`, async () => {
      const { page, context, violations } = await watchedPage();
      await login(page, app.url, username);
      for (const p of pages) {
        await page.goto(app.url + p);
        await expect
          .poll(() => page.locator('[data-testid=current-user]').count(), { timeout: 20_000 })
          .toBe(1);
        await page.waitForLoadState('networkidle');
        expect(await violations(), p).toEqual([]);
      }
      await context.close();
    });
  }

  it('the viewer decodes a JPEG 2000 image (WebAssembly) with no CSP violation', async () => {
    const doctor = await apiLogin(app.url, 'lankao.doctor');
    const file = fs.readFileSync(path.join(CORPUS_DIR, 'generated/ts/j2k_lossless.dcm'));
    const up = await fetch(`${app.url}/api/imaging/instances`, {
      method: 'POST',
      headers: { cookie: doctor.cookie, 'x-csrf-token': doctor.csrf, 'content-type': 'application/dicom' },
      body: file,
    });
    expect(up.status).toBe(201);
    const { studyId } = (await up.json()) as { studyId: string };
    const { page, context, violations } = await watchedPage();
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/imaging/studies/${studyId}`);
    // A blocked codec shows as a violation (reported at once) or as a black viewport.
    await expect
      .poll(async () => ((await violations()).length ? await violations() : (await litPixels(page)) > 1000), {
        timeout: 60_000,
      })
      .toBe(true);
    await context.close();
  });

  it('the API docs page works under the same policy', async () => {
    const { page, context, violations } = await watchedPage();
    await page.goto(`${app.url}/api/docs`);
    await expect
      .poll(() => page.locator('.swagger-ui .opblock').count(), { timeout: 30_000 })
      .toBeGreaterThan(10);
    expect(await violations()).toEqual([]);
    await context.close();
  });
});
