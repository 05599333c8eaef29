/**
 * Key images in the report, in a real browser: the county doctor uploads the corpus CT (10 slices) and links it to
 * the consultation; the specialist has measured a length on slice 7. In the report editor the specialist opens
 * "Add key image", picks slice 7 among the server-rendered thumbnails, ticks the length, captions it and signs.
 * The county doctor's report shows the key image (a loaded picture) with the measurement; the PDF carries it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { formatMeasurement } from '@consult/shared';
import {
  CORPUS_DIR,
  DEMO_PASSWORD,
  apiCall,
  apiLogin,
  login,
  newPage,
  screenshotsOnFailure,
  type ApiUser,
  type AppProcess,
  withAppAndBrowser,
} from './harness';

screenshotsOnFailure();

const CT_DIR = path.join(CORPUS_DIR, 'generated/ct_series');
let app: AppProcess;
let browser: Browser;

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test code reads arbitrary response fields
const call = async (who: ApiUser, method: string, url: string, body?: unknown): Promise<any> => {
  const { status, json } = await apiCall(app.url, who, method, url, body);
  if (status >= 300) throw new Error(`${method} ${url}: ${status} ${JSON.stringify(json)}`);
  return json;
};

async function upload(who: ApiUser, file: string) {
  const res = await fetch(`${app.url}/api/imaging/instances`, {
    method: 'POST',
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/dicom' },
    body: fs.readFileSync(file),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as { studyInstanceUid: string; sopInstanceUid: string; studyId: string };
}

/** A consultation from Lankao to Peking University First Hospital, in progress with Prof. Chen, studies linked. */
async function consultationWithStudies(county: ApiUser, cardio: ApiUser, studyUids: string[]) {
  const hospitals = (await call(county, 'GET', '/api/hospitals')) as { id: string; nameEn: string }[];
  const pku = hospitals.find((h) => h.nameEn.startsWith('Peking'))!.id;
  const patient = await call(county, 'POST', '/api/patients', {
    name: '测试患者 赵某',
    sex: 'male',
    birthDate: '1961-07-09',
  });
  const withCase = await call(county, 'POST', `/api/patients/${patient.id}/cases`, {
    diagnosis: '肺结节待查',
    icd10: 'R91',
  });
  const caseId = (withCase.cases as { id: string; icd10: string }[]).find((c) => c.icd10 === 'R91')!.id;
  const c = await call(county, 'POST', '/api/consultations', {
    patientId: patient.id,
    caseId,
    type: 'remote_consultation',
    urgency: 'routine',
    clinicalQuestion: '右肺下叶结节，请评估性质。',
    targetHospitalId: pku,
  });
  await call(cardio, 'POST', `/api/consultations/${c.id}/transitions`, {
    to: 'triaged',
    assigneeId: cardio.id,
  });
  await call(cardio, 'POST', `/api/consultations/${c.id}/transitions`, { to: 'accepted' });
  await call(cardio, 'POST', `/api/consultations/${c.id}/transitions`, { to: 'in_progress' });
  for (const uid of studyUids)
    await call(county, 'POST', `/api/consultations/${c.id}/studies`, { studyInstanceUid: uid });
  return c.id as string;
}

/** The natural width of an <img> (0 until it has loaded a picture). */
const loadedWidth = (img: Locator) => img.evaluate((el) => (el as HTMLImageElement).naturalWidth);

const autosaved = (page: Page) =>
  expect.poll(() => page.locator('.autosave').getAttribute('data-state'), { timeout: 20_000 }).toBe('saved');

describe('key images in the report, in a real browser', () => {
  it('the specialist picks slice 7 and its length; the county doctor sees the picture, the PDF prints it', async () => {
    const county = await apiLogin(app.url, 'lankao.doctor');
    const cardio = await apiLogin(app.url, 'pku.cardio');

    // The corpus CT series: 10 slices, one study.
    const uploaded = [];
    for (let n = 1; n <= 10; n++) uploaded.push(await upload(county, path.join(CT_DIR, `slice_${n}.dcm`)));
    const { studyInstanceUid: studyUid, studyId } = uploaded[0]!;
    expect(new Set(uploaded.map((u) => u.studyInstanceUid)).size).toBe(1);
    const slice7 = uploaded[6]!.sopInstanceUid;

    const consultationId = await consultationWithStudies(county, cardio, [studyUid]);
    // The specialist's length on slice 7 (as the viewer stores it; annotation frames count from 0).
    const length = await call(cardio, 'POST', `/api/imaging/studies/${studyId}/annotations`, {
      sopInstanceUid: slice7,
      frame: 0,
      tool: 'Length',
      points: [
        [20, 64],
        [100, 64],
      ],
    });
    // The value the server measured (the one annotation model), as every screen and the PDF print it.
    const len = formatMeasurement(length.measurements[0], 'en');
    const lenRe = new RegExp(`Length ${len.replace('.', '\\.')}`);
    const reportUrl = `${app.url}/consultations/${consultationId}/report`;

    // The specialist (who switches the interface to English) opens the report and the key-image picker.
    const sp = await newPage(browser, { locale: 'en-US' });
    await login(sp.page, app.url, 'pku.cardio');
    await sp.page.getByRole('button', { name: 'English' }).click();
    await sp.page.goto(reportUrl);
    await sp.page.getByRole('button', { name: 'Start the report' }).click();
    await sp.page
      .locator('textarea[name=findings]')
      .fill('A 62.5 mm mass in the right lower lobe (slice 7).');
    await sp.page.locator('textarea[name=impression]').fill('Right lower lobe mass; biopsy advised.');
    await sp.page.getByRole('button', { name: 'Add key image' }).click();
    const picker = sp.page.getByTestId('key-image-picker');
    // Every slice as a thumbnail the server rendered; slice 7 carries one mark.
    await expect.poll(() => picker.locator('.picker-thumb').count(), { timeout: 20_000 }).toBe(10);
    const thumb7 = picker.getByRole('button', { name: 'Image 7', exact: true });
    await expect.poll(() => loadedWidth(thumb7.locator('img')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await thumb7.textContent()).toContain('1 mark(s)');
    await thumb7.click();
    // The marks on the frame come ticked: a measurement is not silently left out of the report.
    expect(await picker.getByRole('checkbox', { name: lenRe }).isChecked()).toBe(true);
    await picker.getByRole('checkbox', { name: lenRe }).check();
    await picker.getByLabel('Caption').fill('Right lower lobe mass');
    // The preview shows the picked frame with the ticked length drawn over it.
    const preview = picker.locator('.picker-chosen .key-image-figure');
    await expect.poll(() => loadedWidth(preview.locator('img')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await preview.locator('svg polyline').count()).toBe(1);
    await picker.getByRole('button', { name: 'Add', exact: true }).click();
    expect(await picker.count()).toBe(0);

    // A second key image (slice 3, no marks), then removed again: only slice 7 stays in the draft.
    await sp.page.getByRole('button', { name: 'Add key image' }).click();
    await picker.getByRole('button', { name: 'Image 3', exact: true }).click();
    expect(await picker.getByText('No marks on this frame').count()).toBe(1);
    await picker.getByRole('button', { name: 'Add', exact: true }).click();
    const cards = sp.page.locator('.report-editor .key-image-card');
    await expect.poll(() => cards.count()).toBe(2);
    await autosaved(sp.page);
    await cards.nth(1).getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => cards.count()).toBe(1);
    await expect
      .poll(() => loadedWidth(cards.first().locator('img')), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await cards.first().textContent()).toContain(`Length ${len}`);
    await autosaved(sp.page);
    const report = await call(cardio, 'GET', `/api/consultations/${consultationId}/report`);
    expect(report.draft.content.keyImages).toEqual([
      {
        studyInstanceUid: studyUid,
        sopInstanceUid: slice7,
        frame: 1,
        annotationIds: [length.id],
        caption: 'Right lower lobe mass',
      },
    ]);

    await sp.page.getByRole('button', { name: 'Sign report' }).click();
    await sp.page.locator('input[name=sign-password]').fill(DEMO_PASSWORD);
    await sp.page.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect
      .poll(() => sp.page.locator('.report-status').textContent(), { timeout: 20_000 })
      .toBe('Signed');

    // The county doctor's report (zh-CN): the key image as a loaded picture, its caption and measurement.
    const cd = await newPage(browser, { locale: 'zh-CN' });
    await login(cd.page, app.url, 'lankao.doctor');
    await cd.page.goto(reportUrl);
    const card = cd.page.locator('.report-view .key-image-card');
    await expect.poll(() => card.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => loadedWidth(card.locator('img')), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain(`长度 ${len}`);
    expect(await card.textContent()).toContain('Right lower lobe mass');
    expect(await card.locator('svg polyline').count()).toBe(1);

    // The PDF carries exactly one image: the key image.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-key-images-'));
    const [pdfDl] = await Promise.all([
      cd.page.waitForEvent('download'),
      cd.page.getByRole('link', { name: '下载 PDF' }).click(),
    ]);
    const pdfPath = path.join(dir, 'report.pdf');
    await pdfDl.saveAs(pdfPath);
    // pdfimages -list: two header lines, then one line per image.
    const images = execFileSync('pdfimages', ['-list', pdfPath], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .slice(2);
    expect(images).toHaveLength(1);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
    expect(text).toContain(len);
    fs.rmSync(dir, { recursive: true, force: true });
    await sp.context.close();
    await cd.context.close();
  });
  it('a frame of a multi-frame image: the picker lists that frame’s marks and the key image names it (1-based)', async () => {
    const county = await apiLogin(app.url, 'lankao.doctor');
    const cardio = await apiLogin(app.url, 'pku.cardio');
    // 3 frames; an angle on the first frame, a length on the second (annotation frames count from 0).
    const mf = await upload(county, path.join(CORPUS_DIR, 'generated/mf16.dcm'));
    const consultationId = await consultationWithStudies(county, cardio, [mf.studyInstanceUid]);
    const mark = (frame: number, tool: string, points: number[][]) =>
      call(cardio, 'POST', `/api/imaging/studies/${mf.studyId}/annotations`, {
        sopInstanceUid: mf.sopInstanceUid,
        frame,
        tool,
        points,
      });
    const angle = await mark(0, 'Angle', [
      [10, 10],
      [50, 50],
      [90, 10],
    ]);
    const length = await mark(1, 'Length', [
      [30, 200],
      [200, 200],
    ]);
    const deg = formatMeasurement(angle.measurements[0], 'zh-CN');
    const len2 = formatMeasurement(length.measurements[0], 'zh-CN');

    // This time in Chinese (the interface language is the user's setting, carried from sign-in).
    await call(cardio, 'PUT', '/api/auth/me/locale', { locale: 'zh-CN' });
    const { page } = await newPage(browser, { locale: 'zh-CN' });
    await login(page, app.url, 'pku.cardio');
    await page.goto(`${app.url}/consultations/${consultationId}/report`);
    await page.getByRole('button', { name: '开始撰写报告' }).click();
    await page.getByRole('button', { name: '添加关键图像' }).click();
    const picker = page.getByTestId('key-image-picker');
    await picker.locator('.picker-thumb').first().click();
    expect(await picker.getByText('第 1 帧 / 共 3 帧').count()).toBe(1);
    expect(await picker.getByRole('checkbox').count()).toBe(1);
    expect(await picker.locator('.picker-marks').textContent()).toContain(`角度 ${deg}`);
    await picker.getByRole('button', { name: '第 2 帧', exact: true }).click();
    expect(await picker.getByText('第 2 帧 / 共 3 帧').count()).toBe(1);
    const preview = picker.locator('.picker-chosen img');
    await expect.poll(() => preview.getAttribute('src')).toMatch(/\/frames\/2\/rendered$/);
    await expect.poll(() => loadedWidth(preview), { timeout: 20_000 }).toBeGreaterThan(0);
    await picker.getByRole('checkbox', { name: `长度 ${len2}` }).check();
    await picker.getByRole('button', { name: '添加', exact: true }).click();

    const card = page.locator('.report-editor .key-image-card');
    await expect.poll(() => loadedWidth(card.locator('img')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await card.textContent()).toContain('第 2 帧 / 共 3 帧');
    expect(await card.textContent()).toContain(`长度 ${len2}`);
    await autosaved(page);
    const report = await call(cardio, 'GET', `/api/consultations/${consultationId}/report`);
    expect(report.draft.content.keyImages).toEqual([
      {
        studyInstanceUid: mf.studyInstanceUid,
        sopInstanceUid: mf.sopInstanceUid,
        frame: 2,
        annotationIds: [length.id],
        caption: '',
      },
    ]);
    await page.context().close();
  });
});
