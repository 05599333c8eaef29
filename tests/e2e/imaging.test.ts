/**
 * Imaging in the browser: upload the corpus CT series folder, open it in the viewer, see pixels, scroll to
 * slice 7, measure a length, reload: the length is still there (persisted on the server). Leaving the page while
 * files upload or a change is on its way asks first; once they are answered it does not.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  answerDialogs,
  CORPUS_DIR,
  holdRequests,
  login,
  newPage,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';

screenshotsOnFailure();

/** What the viewer page exposes for tests (client/src/features/viewer/ViewerController.ts). */
declare global {
  interface Window {
    __viewer?: {
      imageIds: readonly string[];
      getState(): { imageIndex: number } | null;
      annotationsOf(imageId: string): Record<string, { data: Record<string, unknown>[] }>;
    };
    __viewerSync?: { count: number };
  }
}

let app: AppProcess;
let browser: Browser;

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

/** Non-black pixels on the viewport's canvas. */
const litPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewport] canvas');
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 0) n++;
    return n;
  });
const viewerIndex = (page: Page) => page.evaluate(() => window.__viewer?.getState()?.imageIndex ?? -1);
const lengthsOnSlice = (page: Page, index: number) =>
  page.evaluate((i) => {
    const v = window.__viewer;
    const id = v?.imageIds[i];
    return id ? (v!.annotationsOf(id).Length?.data.length ?? 0) : -1;
  }, index);

describe('imaging in the browser', () => {
  it('uploads a CT folder, views it, measures on slice 7, and the measurement survives a reload', async () => {
    const { page } = await newPage(browser);
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/imaging/upload`);
    const folder = path.join(CORPUS_DIR, 'generated/ct_series');
    await page.locator('[data-testid=folder-input]').setInputFiles(folder);
    await expect.poll(() => page.locator('tr[data-status=stored]').count(), { timeout: 60_000 }).toBe(13);
    await expect.poll(() => page.locator('[data-testid=open-study]').count()).toBe(2);

    // The 10-slice series is its own study; open it from the study list.
    await page.goto(`${app.url}/imaging`);
    await page.locator('[data-testid=study-list] tr', { hasText: '1 / 10' }).getByRole('link').click();
    await expect.poll(() => litPixels(page), { timeout: 30_000 }).toBeGreaterThan(1000);
    await expect.poll(() => page.locator('.viewer-thumb canvas').count()).toBe(1);

    // Scroll with the keyboard to slice 7.
    await page.locator('.viewer-viewport').focus();
    for (let k = 0; k < 6; k++) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => viewerIndex(page)).toBe(k + 1);
    }
    await expect.poll(() => page.getByTestId('slice-label').textContent()).toMatch(/^7 \/ 10$/);

    // Presets, invert, rotate and reset act on the viewport state that rounds will drive.
    const vp = () => page.evaluate(() => window.__viewer!.getState() as unknown as Record<string, unknown>);
    await page.locator('[data-preset=lung]').click();
    await expect
      .poll(async () => [(await vp()).windowWidth, (await vp()).windowCenter])
      .toEqual([1500, -600]);
    await page.locator('[data-command=invert]').click();
    await expect.poll(async () => (await vp()).invert).toBe(true);
    await page.locator('[data-command=rotateCw]').click();
    await expect.poll(async () => (await vp()).rotation).toBe(90);
    await page.locator('[data-command=reset]').click();
    await expect.poll(async () => [(await vp()).rotation, (await vp()).invert]).toEqual([0, false]);
    expect((await vp()).imageIndex).toBe(6);

    // Draw a length.
    await page.locator('[data-tool=Length]').click();
    const box = (await page.getByTestId('viewport').boundingBox())!;
    const x0 = box.x + box.width * 0.3;
    const y0 = box.y + box.height * 0.4;
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(x0 + 15 * k, y0 + 8 * k);
    await page.mouse.up();
    await expect.poll(() => lengthsOnSlice(page, 6)).toBe(1);
    await expect
      .poll(() => page.evaluate(() => window.__viewerSync?.count ?? 0), { timeout: 10_000 })
      .toBe(1);

    await page.reload();
    await expect.poll(() => litPixels(page), { timeout: 30_000 }).toBeGreaterThan(1000);
    await page.locator('.viewer-viewport').focus();
    await page.locator('input[type=range]').fill('7');
    await expect.poll(() => viewerIndex(page)).toBe(6);
    await expect.poll(() => lengthsOnSlice(page, 6), { timeout: 10_000 }).toBe(1);
    // The value the viewer shows (computed by the one annotation model) is the value the server stored.
    // (the canvas draws the restored mark with its values once the slice renders)
    const shownLength = () =>
      page.evaluate(() => {
        const v = window.__viewer!;
        const d = v.annotationsOf(v.imageIds[6]!).Length!.data[0]!;
        return (d.measurements as { value: number; unit: string }[] | undefined)?.[0] ?? null;
      });
    await expect.poll(shownLength, { timeout: 10_000 }).not.toBeNull();
    const length = (await shownLength())!;
    expect(length.unit).toBe('mm');
    expect(length.value).toBeGreaterThan(10);
    const stored = await page.evaluate(async () => {
      const res = await fetch(
        `${location.pathname.replace('/imaging/studies/', '/api/imaging/studies/')}/annotations`,
      );
      return ((await res.json()) as { measurements: { value: number; unit: string }[] }[])[0]!
        .measurements[0]!;
    });
    expect(stored.unit).toBe('mm');
    expect(Math.abs(stored.value - length.value)).toBeLessThan(1e-9);
    // Other slices carry no measurement.
    expect(await lengthsOnSlice(page, 5)).toBe(0);

    // The author deletes it from the annotation list; it leaves the image and the server.
    await expect.poll(() => page.locator('[data-testid=annotation-list] li').count()).toBe(1);
    await page.locator('[data-action=delete-annotation]').click();
    await expect.poll(() => lengthsOnSlice(page, 6)).toBe(0);
    await expect.poll(() => page.evaluate(() => window.__viewerSync?.count ?? -1)).toBe(0);
    const onServer = await page.evaluate(async () => {
      const res = await fetch(
        `${location.pathname.replace('/imaging/studies/', '/api/imaging/studies/')}/annotations`,
      );
      return ((await res.json()) as unknown[]).length;
    });
    expect(onServer).toBe(0);
  });

  it('asks before the page is left while files upload or a change is on its way, and not once they are answered', async () => {
    const { page } = await newPage(browser);
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/imaging/upload`);
    // Each kind of work is held on its way by the test, so the order is the test's.
    const upload = await holdRequests(page, '**/api/imaging/instances');
    const locale = await holdRequests(page, '**/api/auth/me/locale');
    const asked: string[] = [];
    answerDialogs(page, async (d) => {
      asked.push(d.message() || d.type());
      await d.dismiss(); // stay
    });
    /** Try to leave for the study list as the address bar would; resolves once the browser has had its say. */
    // (Should the page leave without asking, the evaluation ends with its page: the count of questions then tells.)
    const tryToLeave = () => page.evaluate(() => void (location.href = '/imaging')).catch(() => undefined);

    // The browser asks only on a page the user has interacted with (as any user would have, to pick files).
    await page.getByRole('heading').first().click();
    await page
      .locator('[data-testid=file-input]')
      .setInputFiles(path.join(CORPUS_DIR, 'generated/ct_series/ct_1.dcm'));
    await upload.arrived;
    await tryToLeave();
    await expect.poll(() => asked.length).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/imaging/upload');
    await expect.poll(() => page.locator('tr[data-status=pending]').count()).toBe(1);

    // Staying, the upload goes on and ends; then leaving asks nothing.
    upload.release();
    await expect.poll(() => page.locator('tr[data-status=pending]').count(), { timeout: 30_000 }).toBe(0);
    expect(await page.locator('tr[data-status=stored], tr[data-status=already_stored]').count()).toBe(1);
    await page.reload({ timeout: 15_000 });
    expect(asked).toHaveLength(1);

    // A change on its way (the language, saved for the user) holds the page the same way.
    await page.getByRole('heading').first().click();
    await page.locator('[data-testid=locale-switch]').click();
    await locale.arrived;
    await tryToLeave();
    await expect.poll(() => asked.length).toBe(2);
    const saved = page.waitForResponse('**/api/auth/me/locale');
    locale.release();
    expect((await saved).status()).toBe(200);
    await page.reload({ timeout: 15_000 });
    expect(asked).toHaveLength(2);
  });
});
