/**
 * The whole clinical story in zh-CN, three browsers: the county doctor (lankao.doctor) creates a patient and sends a
 * remote image diagnosis request to Peking University First Hospital with the CT series; the specialist
 * (pku.cardio) takes and accepts it and adds the radiologist (pku.radiology) to the care team; the radiologist opens
 * the images from the case and measures a length; the specialist schedules a round from the case (prefilled), then
 * writes the report with the radiologist's length as key image and signs it; the county doctor reads the report
 * (the length on the key image and in the PDF) and acknowledges it. Every step goes through the UI (selectors copied
 * from the tests covering each step alone) and leaves a screenshot in tests/artifacts/story/NN-step.png.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { formatMeasurement, type Measurement } from '@consult/shared';
import {
  ARTIFACTS,
  CORPUS_DIR,
  DEMO_PASSWORD,
  apiLogin,
  launchBrowser,
  login,
  newPage,
  screenshotsOnFailure,
  startApp,
  type AppProcess,
} from './harness';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;
// As in round-room.test.ts: the SFU boots with the server, which takes long on a loaded machine.
beforeAll(async () => {
  app = await startApp({ env: { SFU_LISTEN_IP: '127.0.0.1' }, timeoutMs: 380_000 });
  browser = await launchBrowser();
}, 400_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const T = { timeout: 30_000 };
const CORPUS = process.env.DICOM_CORPUS_DIR ?? CORPUS_DIR;
const SHOTS = path.join(ARTIFACTS, 'story');
const PATIENT = '周桂芳';
const QUESTION = '右肺上叶结节，请协助判断性质。';

let shot = 0;
/** tests/artifacts/story/NN-step.png: what the user saw at the end of the step. */
async function screenshot(page: Page, step: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const name = `${String(++shot).padStart(2, '0')}-${step}.png`;
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** In-app navigation without a reload (as consultations.test.ts does). */
async function navigate(page: Page, to: string) {
  await page.evaluate((p) => {
    window.history.pushState({}, '', p);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, to);
}

/** Non-black pixels on the viewer's canvas (the image really drew). */
const litPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('.viewer-viewport canvas');
    if (!c || !c.width) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 0) n++;
    return n;
  });

/** The natural width of an <img> (0 until it has loaded a picture). */
const loadedWidth = (img: Locator) => img.evaluate((el) => (el as HTMLImageElement).naturalWidth);

/** The 10-slice CT study of the corpus, alone in a folder (the corpus folder also holds a 3-image study). */
function ctFolder(): string {
  const src = path.join(CORPUS, 'generated/ct_series');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'story-ct-'));
  for (let n = 1; n <= 10; n++)
    fs.copyFileSync(path.join(src, `slice_${n}.dcm`), path.join(dir, `slice_${n}.dcm`));
  return dir;
}

describe('the clinical story in zh-CN, three browsers', () => {
  it('request with images → triage → care team → measurement → round → signed report → acknowledgement', async () => {
    const doc = await newPage(browser, { locale: 'zh-CN' });
    const spec = await newPage(browser, { locale: 'zh-CN' });
    const rad = await newPage(browser, { locale: 'zh-CN' });
    await login(doc.page, app.url, 'lankao.doctor');
    await login(spec.page, app.url, 'pku.cardio');
    await login(rad.page, app.url, 'pku.radiology');
    const c = doc.page;
    const s = spec.page;
    const r = rad.page;

    // 1. The county doctor files the patient and the case (consultations.test.ts).
    await navigate(c, '/patients/new');
    await c.locator('[data-testid=patient-form] input[name=name]').fill(PATIENT);
    await c.locator('[data-testid=patient-form] select[name=sex]').selectOption('female');
    await c.locator('[data-testid=patient-form] input[name=birthDate]').fill('1958-09-02');
    await c.locator('[data-testid=patient-form] input[name=nationalId]').fill('410225195809021023');
    await c.locator('[data-testid=patient-save]').click();
    await expect.poll(() => c.locator('[data-testid=patient-detail] h1').textContent(), T).toBe(PATIENT);
    await c.locator('[data-testid=case-form] input[name=diagnosis]').fill('肺部结节');
    await c.locator('[data-testid=case-form] input[name=icd10]').fill('R91');
    await c.locator('[data-testid=case-save]').click();
    await expect.poll(() => c.locator('[data-testid=case-card]').count(), T).toBe(1);
    await screenshot(c, 'county-patient');

    // 2. … and the request to Peking University First Hospital with the CT folder (case-images.test.ts).
    await c.locator('[data-testid=request-consultation]').click();
    const form = c.locator('[data-testid=consultation-form]');
    await expect
      .poll(() => form.locator('select[name=targetHospitalId] option').count(), T)
      .toBeGreaterThan(1);
    const pku = form.locator('select[name=targetHospitalId] option', { hasText: '北京大学第一医院' });
    await form.locator('select[name=targetHospitalId]').selectOption((await pku.getAttribute('value'))!);
    await form.locator('select[name=type]').selectOption('remote_image_diagnosis');
    await form.locator('textarea[name=clinicalQuestion]').fill(QUESTION);
    expect(await form.textContent()).toContain('患者影像');
    await form.locator('[data-testid=request-image-folder]').setInputFiles(ctFolder());
    const bar = form.locator('[data-testid=request-images-progress]');
    await expect.poll(() => bar.getAttribute('data-percent'), T).toBe('100');
    await expect
      .poll(() => form.locator('[data-testid=request-images-summary]').textContent(), T)
      .toContain('已存储 10');
    await expect.poll(() => form.locator('[data-testid=request-study]').count(), T).toBe(1);
    expect(await form.locator('[data-testid=request-study]').textContent()).toMatch(/CT.*10 幅图像/);
    await screenshot(c, 'county-request-images');
    await c.locator('[data-testid=consultation-submit]').click();
    await expect.poll(() => c.url(), T).toMatch(/\/consultations\/[0-9a-f-]{36}$/);
    const id = c.url().split('/').at(-1)!;
    const detail = c.locator('[data-testid=consultation-detail]');
    await expect.poll(() => detail.getAttribute('data-state'), T).toBe('submitted');
    await expect.poll(() => c.locator('[data-testid=case-study]').count(), T).toBe(1);
    await screenshot(c, 'county-request-sent');

    // 3. The specialist finds it in the triage queue, takes it and accepts (consultations.test.ts).
    await navigate(s, '/consultations');
    const row = s.locator('[data-testid=consultation-row]', { hasText: PATIENT });
    await expect.poll(() => row.count(), T).toBe(1);
    await screenshot(s, 'specialist-queue');
    await row.click();
    const sDetail = s.locator('[data-testid=consultation-detail]');
    await expect.poll(() => sDetail.getAttribute('data-state'), T).toBe('submitted');
    expect(await sDetail.textContent()).toContain(QUESTION);
    await s.locator('[data-testid=action-assign-me]').click();
    await expect.poll(() => sDetail.getAttribute('data-state'), T).toBe('triaged');
    await s.locator('[data-testid=action-accepted]').click();
    await expect.poll(() => sDetail.getAttribute('data-state'), T).toBe('accepted');
    // The county doctor's page follows without a reload.
    await expect.poll(() => detail.getAttribute('data-state'), T).toBe('accepted');
    await expect.poll(() => c.locator('[data-testid=assignee]').textContent(), T).toContain('陈教授');
    await screenshot(s, 'specialist-accepted');

    // 4. The specialist adds the radiologist to the care team (care-team.test.ts).
    const team = s.locator('[data-testid=care-team]');
    await expect.poll(() => team.locator('[data-testid=care-team-members] li').count(), T).toBe(2);
    expect(await team.textContent()).toContain('诊疗团队');
    const add = team.locator('[data-testid=team-add]');
    await expect.poll(() => add.locator('select[name=userId] option').count(), T).toBeGreaterThan(1);
    const radiologist = add.locator('select[name=userId] option', { hasText: '影像科医生' }).first();
    await add.locator('select[name=userId]').selectOption((await radiologist.getAttribute('value'))!);
    await add.locator('select[name=purpose]').selectOption('imaging');
    await add.locator('button[type=submit]').click();
    await expect.poll(() => team.locator('[data-testid=care-team-members] li').count(), T).toBe(3);
    expect(await team.locator('[data-testid=care-team-members]').textContent()).toContain('影像判读');
    await screenshot(s, 'specialist-care-team');

    // 5. The radiologist opens the images from the case and measures a length (case-images, imaging tests).
    await r.goto(`${app.url}/consultations/${id}`);
    await expect.poll(() => r.locator('[data-testid=consultation-detail]').count(), T).toBe(1);
    const open = r.locator('[data-testid=open-images]');
    await expect.poll(() => open.count(), T).toBe(1);
    expect(await open.textContent()).toBe('打开影像');
    await open.click();
    await expect.poll(() => r.url(), T).toContain(`?consultation=${id}`);
    await expect.poll(() => litPixels(r), T).toBeGreaterThan(1000);
    await expect
      .poll(() => r.locator('[data-testid=viewer-case-panel]').textContent(), T)
      .toContain(QUESTION);
    await r.locator('[data-tool=Length]').click();
    const box = (await r.getByTestId('viewport').boundingBox())!;
    const x0 = box.x + box.width * 0.3;
    const y0 = box.y + box.height * 0.4;
    await r.mouse.move(x0, y0);
    await r.mouse.down();
    for (let k = 1; k <= 10; k++) await r.mouse.move(x0 + 15 * k, y0 + 8 * k);
    await r.mouse.up();
    await expect.poll(() => r.evaluate(() => window.__viewerSync?.count ?? 0), T).toBe(1);
    await expect.poll(() => r.locator('[data-testid=annotation-list] li').count(), T).toBe(1);
    // The value the server stored (the one annotation model), as the report and the PDF print it.
    const stored = await r.evaluate(async () => {
      const res = await fetch(
        `${location.pathname.replace('/imaging/studies/', '/api/imaging/studies/')}/annotations`,
      );
      return ((await res.json()) as { measurements: Measurement[] }[])[0]!.measurements[0]!;
    });
    expect(stored.unit).toBe('mm');
    const len = formatMeasurement(stored, 'zh-CN');
    await screenshot(r, 'radiologist-length');

    // 6. The specialist schedules a round from the case: prefilled with this case and its team (round-room.test.ts).
    await s.goto(`${app.url}/consultations/${id}`);
    await s.locator('[data-testid=schedule-round]').click();
    await expect.poll(() => s.locator('input[name=title]').inputValue(), T).toBe(`${PATIENT} · ${QUESTION}`);
    await expect.poll(() => s.locator('[data-testid=agenda-case-0]').inputValue(), T).toBe(id);
    const county = await apiLogin(app.url, 'lankao.doctor');
    const radiology = await apiLogin(app.url, 'pku.radiology');
    await expect.poll(() => s.locator(`[data-testid=invite-${county.id}]`).isChecked(), T).toBe(true);
    await expect.poll(() => s.locator(`[data-testid=invite-${radiology.id}]`).isChecked(), T).toBe(true);
    const when = new Date(Date.now() + 60 * 60_000);
    const local = new Date(when.getTime() - when.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await s.locator('input[name=scheduledAt]').fill(local);
    await screenshot(s, 'specialist-round-form');
    await s.locator('[data-testid=round-create]').click();
    await s.waitForURL(/\/rounds\/[0-9a-f-]{36}$/, T);
    expect(await s.locator('[data-testid=round-agenda]').textContent()).toContain(PATIENT);
    // The invited radiologist finds the round in the inbox.
    await r.goto(`${app.url}/inbox`);
    await expect.poll(() => r.locator('[data-testid=inbox-join]').count(), T).toBeGreaterThan(0);
    await screenshot(s, 'specialist-round');
    await screenshot(r, 'radiologist-invitation');

    // 7. The specialist writes the report with the radiologist's length as key image, and signs
    //    (reports.test.ts, reports-key-images.test.ts).
    const reportUrl = `${app.url}/consultations/${id}/report`;
    await s.goto(reportUrl);
    await s.getByRole('button', { name: '开始撰写报告' }).click();
    await s.locator('textarea[name=findings]').fill(`右肺上叶见结节，长径 ${len}，边缘光整。`);
    await s.locator('textarea[name=impression]').fill('右肺上叶结节，考虑良性可能大，建议 3 个月后复查 CT。');
    await s.getByLabel('搜索 ICD-10 编码或名称').fill('R91');
    await s.getByRole('option').filter({ hasText: 'R91' }).first().getByRole('button').click();
    await s.locator('textarea[name=treatmentPlan]').fill('暂不手术；3 个月后复查胸部 CT。');
    await s.locator('input[name=followUpIntervalDays]').fill('90');
    await s.getByRole('button', { name: '添加关键图像' }).click();
    const picker = s.getByTestId('key-image-picker');
    await expect.poll(() => picker.locator('.picker-thumb').count(), T).toBe(10);
    const marked = picker.locator('.picker-thumb', { hasText: '1 个标注' });
    await expect.poll(() => marked.count(), T).toBe(1);
    await marked.click();
    // The radiologist's mark comes ticked.
    expect(await picker.getByRole('checkbox', { name: `长度 ${len}` }).isChecked()).toBe(true);
    await picker.getByLabel('说明').fill('右肺上叶结节');
    await picker.getByRole('button', { name: '添加', exact: true }).click();
    const cards = s.locator('.report-editor .key-image-card');
    await expect.poll(() => cards.count(), T).toBe(1);
    await expect.poll(() => loadedWidth(cards.locator('img')), T).toBeGreaterThan(0);
    await expect.poll(() => cards.textContent(), T).toContain(`长度 ${len}`);
    await expect.poll(() => s.locator('.autosave').getAttribute('data-state'), T).toBe('saved');
    await screenshot(s, 'specialist-report-draft');
    await s.getByRole('button', { name: '签署报告' }).click();
    await s.locator('input[name=sign-password]').fill(DEMO_PASSWORD);
    await s.getByRole('button', { name: '确认签署' }).click();
    await expect.poll(() => s.locator('.report-status').textContent(), T).toBe('已签署');
    await screenshot(s, 'specialist-signed');

    // 8. The county doctor reads the report (key image with the length, PDF) and acknowledges it (reports tests).
    await c.goto(`${app.url}/consultations/${id}`);
    await c.locator('[data-testid=open-report]').click();
    await expect.poll(() => c.url()).toBe(reportUrl);
    const view = c.locator('.report-view');
    await expect.poll(() => view.textContent(), T).toContain('建议 3 个月后复查 CT');
    // The patient header names the patient.
    await expect.poll(() => c.getByTestId('report-patient-header').textContent(), T).toContain(PATIENT);
    const card = c.locator('.report-view .key-image-card');
    await expect.poll(() => loadedWidth(card.locator('img')), T).toBeGreaterThan(0);
    await expect.poll(() => card.textContent(), T).toContain(`长度 ${len}`);
    await screenshot(c, 'county-report');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'story-pdf-'));
    const [pdfDl] = await Promise.all([
      c.waitForEvent('download'),
      c.getByRole('link', { name: '下载 PDF' }).click(),
    ]);
    const pdfPath = path.join(dir, 'report.pdf');
    await pdfDl.saveAs(pdfPath);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
    expect(text).toContain(len);
    expect(text).toContain('北京大学第一医院');
    fs.rmSync(dir, { recursive: true, force: true });
    await c.getByRole('button', { name: '确认已阅并纳入诊疗方案' }).click();
    await expect.poll(() => c.locator('.report-status').textContent(), T).toBe('已确认');
    await expect.poll(() => c.locator('.report-acknowledged').textContent(), T).toContain('下次随访');
    await screenshot(c, 'county-acknowledged');
    // The specialist's page shows the acknowledgement too.
    await s.goto(`${app.url}/consultations/${id}`);
    await expect
      .poll(() => s.locator('[data-testid=consultation-detail]').getAttribute('data-state'), T)
      .toBe('completed');
    await screenshot(s, 'specialist-completed');
  }, 600_000);
});
