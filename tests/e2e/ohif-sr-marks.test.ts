/**
 * Marks from other systems in the browser viewer: a CT series and a measurement report made elsewhere (a TID 1500
 * SR written by dcmtk's dump2dcm from server/src/imaging/fixtures/external-sr.dump, with an author, institution and
 * content date, measuring on the series' third slice) are uploaded; the viewer lists the report in "Marks from other
 * systems" with its author and date, draws its mark read-only (amber, dashed) on that slice only, never as one of
 * the platform's annotations (a drag over it moves nothing), hides and shows it with the panel's toggle, and names
 * the panel in Chinese and in English. A screenshot goes to tests/artifacts/ohif-sr-marks.png.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  apiLogin,
  ARTIFACTS,
  login,
  newPage,
  REPO_ROOT,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';
import { parsePart10 } from '../../server/src/imaging/dicom';
import { CT_SERIES, stowBody } from '../../server/src/imaging/testkit';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;
withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

const AUTHOR = [
  '(0008,0080) LO [Wanquan County Hospital]',
  '(0040,a078) SQ (Sequence with undefined length)',
  '(fffe,e000) na (Item with undefined length)',
  '(0040,a084) CS [PSN]',
  '(0040,a123) PN [Zhang^Wei]',
  '(fffe,e00d) na (ItemDelimitationItem)',
  '(fffe,e0dd) na (SequenceDelimitationItem)',
].join('\n');

/** The external report's mark as the layer drew it on the last render (window.__srMarks). */
interface Drawn {
  imageId: string;
  marks: {
    srSopInstanceUid: string;
    label: string;
    origin: string;
    canvasPoints: { x: number; y: number }[];
  }[];
}
const drawn = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { __srMarks?: { drawn: Drawn | null } }).__srMarks?.drawn ?? null,
  );
const displayed = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __viewer?: { displayedImageId: string | null } }).__viewer?.displayedImageId,
  );
/** Canvas pixels in the layer's amber (#ffb000); the CT image itself is grey. */
const amberPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewport] canvas');
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i]! > 200 && d[i + 1]! > 140 && d[i + 1]! < 210 && d[i + 2]! < 60) n++;
    return n;
  });
const annotationCount = (page: Page) =>
  page.evaluate(() => {
    const v = (
      window as unknown as {
        __viewer?: { allAnnotations(): Record<string, Record<string, { data: unknown[] }>> };
      }
    ).__viewer!;
    return Object.values(v.allAnnotations())
      .flatMap((byTool) => Object.entries(byTool).filter(([tool]) => tool !== 'stack'))
      .reduce((n, [, s]) => n + s.data.length, 0);
  });

describe('marks from other systems in the viewer', () => {
  it('lists an external SR by author and date and draws its mark read-only on the right slice', async () => {
    const slices = CT_SERIES().filter((f) => f.path.includes('slice_'));
    const target = parsePart10(fs.readFileSync(slices[2]!.abs));
    if (!target.ok) throw new Error('corpus');
    const a = target.attrs;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ohif-sr-'));
    const dump = fs
      .readFileSync(path.join(REPO_ROOT, 'server/src/imaging/fixtures/external-sr.dump'), 'utf8')
      .replace('@SOP@', `${a.sopInstanceUid}.77`)
      .replace('@SERIES@', `${a.seriesUid}.77`)
      .replace('@STUDY@', a.studyUid)
      .replace('@NAME@', 'Test^Patient')
      .replace('@PID@', a.patientId)
      .replace('@IMAGE@', a.sopInstanceUid)
      .concat(`\n${AUTHOR}\n`);
    fs.writeFileSync(path.join(tmp, 'external.dump'), dump);
    execFileSync('dump2dcm', ['+ti', path.join(tmp, 'external.dump'), path.join(tmp, 'external.dcm')]);

    const doctor = await apiLogin(app.url, 'lankao.doctor');
    const { body, contentType } = stowBody(
      [...slices.map((f) => f.abs), path.join(tmp, 'external.dcm')].map((f) => fs.readFileSync(f)),
    );
    const stow = await fetch(`${app.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { cookie: doctor.cookie, 'x-csrf-token': doctor.csrf, 'content-type': contentType },
      body,
    });
    expect(stow.status).toBe(200);
    fs.rmSync(tmp, { recursive: true, force: true });
    const studies = (await (
      await fetch(`${app.url}/api/imaging/studies`, { headers: { cookie: doctor.cookie } })
    ).json()) as { id: string; studyInstanceUid: string }[];
    const studyId = studies.find((s) => s.studyInstanceUid === a.studyUid)!.id;

    const { page } = await newPage(browser);
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/imaging/studies/${studyId}`);
    const panel = page.getByTestId('sr-marks-panel');
    await expect.poll(() => panel.count(), { timeout: 30_000 }).toBe(1);
    // lankao.doctor's language is Chinese.
    expect(await panel.locator('h3').textContent()).toContain('外部系统标注');
    expect(await panel.getByTestId('sr-origin').textContent()).toBe(
      'Zhang Wei · Wanquan County Hospital · 2024-01-01',
    );
    const item = panel.getByTestId('sr-mark');
    expect(await item.count()).toBe(1);
    expect(await item.textContent()).toContain('Long Axis 42.5 mm');
    expect(await item.textContent()).toContain('第 3 层');
    // Not one of the platform's annotations: no delete, not in the annotation list.
    expect(await panel.locator('[data-action=delete-annotation]').count()).toBe(0);

    // Slice 1 has no mark from the report; slice 3 (the image it refers to) has it.
    await expect.poll(() => displayed(page), { timeout: 30_000 }).toBeTruthy();
    expect(await drawn(page)).toBeNull();
    expect(await amberPixels(page)).toBe(0);
    await item.getByRole('button').click();
    await expect.poll(() => page.getByTestId('slice-label').textContent()).toBe(`3 / ${slices.length}`);
    await expect.poll(async () => (await drawn(page))?.marks.length ?? 0, { timeout: 10_000 }).toBe(1);
    const d = (await drawn(page))!;
    expect(d.imageId).toBe(await displayed(page));
    expect(d.imageId).toContain(a.sopInstanceUid);
    expect(d.marks[0]).toMatchObject({
      label: 'Long Axis 42.5 mm',
      origin: 'Zhang Wei · Wanquan County Hospital · 2024-01-01',
    });
    expect(d.marks[0]!.canvasPoints).toHaveLength(2);
    expect(await amberPixels(page)).toBeGreaterThan(50);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ohif-sr-marks.png') });

    // Read-only: dragging from its end point (with the default tool) leaves it where the report put it, and no
    // annotation of the platform's appears.
    const canvas = (await page.getByTestId('viewport').locator('canvas').boundingBox())!;
    const [p0] = d.marks[0]!.canvasPoints;
    const scale =
      canvas.width /
      (await page.evaluate(
        () => document.querySelector<HTMLCanvasElement>('[data-testid=viewport] canvas')!.width,
      ));
    await page.mouse.move(canvas.x + p0!.x * scale, canvas.y + p0!.y * scale);
    await page.mouse.down();
    await page.mouse.move(canvas.x + p0!.x * scale + 40, canvas.y + p0!.y * scale + 30, { steps: 5 });
    await page.mouse.up();
    await expect
      .poll(async () => (await drawn(page))?.marks[0]?.canvasPoints)
      .toEqual(d.marks[0]!.canvasPoints);
    expect(await annotationCount(page)).toBe(0);

    // The toggle hides and shows it.
    await page.getByTestId('sr-marks-toggle').uncheck();
    await expect.poll(() => drawn(page)).toBeNull();
    await expect.poll(() => amberPixels(page)).toBe(0);
    await page.getByTestId('sr-marks-toggle').check();
    await expect.poll(async () => (await drawn(page))?.marks.length ?? 0).toBe(1);
    await expect.poll(() => amberPixels(page)).toBeGreaterThan(50);

    // In English, the same panel.
    await page.getByTestId('locale-switch').click();
    await expect.poll(() => panel.locator('h3').textContent()).toContain('Marks from other systems');
    expect(await item.textContent()).toContain('slice 3');
  });
});
