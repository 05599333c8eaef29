/**
 * A multi-frame instance in the browser viewer: upload the corpus's 12-frame X-ray angiography run (JPEG Lossless),
 * open it, play it as cine and see the displayed frame advance, stop it, and read the instance's own attributes in
 * the metadata panel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  CORPUS_DIR,
  login,
  newPage,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';
import { parsePart10, text } from '../../server/src/imaging/dicom';

screenshotsOnFailure();

/** What the viewer page exposes for tests as `window.__viewer` (client/src/features/viewer/ViewerController.ts). */
interface ViewerHook {
  getState(): { imageIndex: number } | null;
  readonly displayedImageId: string | null;
  readonly cinePlaying: boolean;
  readonly cineFps: number;
}
const hook = () => (window as unknown as { __viewer?: ViewerHook }).__viewer;

const XA = 'npm-jpeg-lossless-decoder-js/jpeg_lossless_sel1-8bit.dcm';

let app: AppProcess;
let browser: Browser;

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

/** Read the viewer controller in the page (`read` runs in the browser). */
const viewer = <T>(page: Page, read: (v: ViewerHook) => T) =>
  page.evaluate(`(${read.toString()})((${hook.toString()})())`) as Promise<T>;
/** The frame number (0-based) in the imageId cornerstone has on screen, -1 before the first image. */
const displayedFrame = async (page: Page) => {
  const id = (await viewer(page, (v) => v?.displayedImageId)) ?? '';
  const m = /[?&]frame=(\d+)$/.exec(id);
  return m ? Number(m[1]) : -1;
};
const litPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewport] canvas');
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 0) n++;
    return n;
  });
const metaValue = (page: Page, key: string) => page.locator(`[data-meta=${key}] dd`).textContent();

describe('multi-frame cine and metadata in the browser viewer', () => {
  it('plays the frames of an XA run, stops, and shows the file’s own attributes', async () => {
    // The file's own attributes, read with the server's parser (the viewer reads them with its loader).
    const parsed = parsePart10(fs.readFileSync(path.join(CORPUS_DIR, XA)));
    if (!parsed.ok) throw new Error(parsed.reason);
    const { modality, sopInstanceUid, frames } = parsed.attrs;
    const frameTimeMs = Number(text(parsed.dataSet, 'x00181063'));
    expect([modality, frames]).toEqual(['XA', 12]);

    const { page } = await newPage(browser);
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/imaging/upload`);
    await page.locator('[data-testid=file-input]').setInputFiles(path.join(CORPUS_DIR, XA));
    await expect.poll(() => page.locator('tr[data-status=stored]').count(), { timeout: 60_000 }).toBe(1);
    await page.locator('[data-testid=open-study]').click();

    await expect.poll(() => litPixels(page), { timeout: 30_000 }).toBeGreaterThan(1000);
    await expect.poll(() => page.getByTestId('slice-label').textContent()).toBe(`1 / ${frames}`);
    expect(await displayedFrame(page)).toBe(0);

    // The metadata panel shows the instance's attributes as the file has them.
    await expect.poll(() => metaValue(page, 'modality')).toBe(modality);
    expect(await metaValue(page, 'instance')).toBe(sopInstanceUid);
    expect(await metaValue(page, 'frame')).toBe(`1 / ${frames}`);

    // Cine: the button turns into Stop, and the frame on screen advances through the run (and wraps around).
    const cine = page.locator('[data-command=toggleCine]');
    await expect.poll(() => cine.getAttribute('aria-pressed')).toBe('false');
    await cine.click();
    await expect.poll(() => cine.getAttribute('aria-pressed')).toBe('true');
    // It plays at the run's own rate (Frame Time (0018,1063)), not a fixed one.
    expect(await viewer(page, (v) => v.cineFps)).toBeCloseTo(1000 / frameTimeMs, 1);
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          seen.add(await displayedFrame(page));
          return seen.size;
        },
        { timeout: 20_000, interval: 20 },
      )
      .toBeGreaterThanOrEqual(frames / 2);
    await expect.poll(() => metaValue(page, 'frame'), { timeout: 10_000 }).not.toBe(`1 / ${frames}`);

    // Stop: the clip's timer is gone, the button says Cine again, and the frame on screen is the one the
    // slice label and the metadata panel name.
    await cine.click();
    await expect.poll(() => cine.getAttribute('aria-pressed')).toBe('false');
    expect(await viewer(page, (v) => v.cinePlaying)).toBe(false);
    const stoppedAt = await displayedFrame(page);
    await expect.poll(() => viewer(page, (v) => v.getState()?.imageIndex)).toBe(stoppedAt);
    await expect
      .poll(() => page.getByTestId('slice-label').textContent())
      .toBe(`${stoppedAt + 1} / ${frames}`);
    await expect.poll(() => metaValue(page, 'frame')).toBe(`${stoppedAt + 1} / ${frames}`);
    expect(await metaValue(page, 'instance')).toBe(sopInstanceUid);
  });
});
