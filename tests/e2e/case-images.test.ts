/**
 * Images in the case, in the browser (zh-CN): the county doctor writes a request and picks the patient's CT
 * folder on the same form; one progress bar runs to 100 % over all files; the request shows the studies by
 * patient, date, modality and image count (no UID asked for). The specialist accepts (over the API), opens the
 * images from the case and the viewer loads them beside the request; a colleague off the team gets nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  apiCall,
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

const T = { timeout: 30_000 };
/** The corpus beside the checkout (CORPUS_DIR), or where DICOM_CORPUS_DIR says (a worktree elsewhere). */
const CORPUS = process.env.DICOM_CORPUS_DIR ?? CORPUS_DIR;
const CT_FOLDER = path.join(CORPUS, 'generated/ct_series');

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

describe('images in the case', () => {
  it('a county doctor sends a request with a folder of images; the specialist opens them from the case', async () => {
    const files = fs.readdirSync(CT_FOLDER).filter((f) => f.endsWith('.dcm'));
    expect(files.length).toBeGreaterThan(5);
    const county = await apiLogin(app.url, 'lankao.doctor');
    const p = await apiCall(app.url, county, 'POST', '/api/patients', {
      name: '周桂芳',
      sex: 'female',
      birthDate: '1958-09-02',
    });
    expect(p.status).toBe(201);
    const withCase = await apiCall(app.url, county, 'POST', `/api/patients/${p.json.id}/cases`, {
      diagnosis: '肺部结节',
      icd10: 'R91',
      status: 'active',
    });
    const caseId = withCase.json.cases[0].id as string;

    // The county doctor fills in the request and picks the CT folder on the same form.
    const doc = await newPage(browser, { locale: 'zh-CN' });
    await login(doc.page, app.url, 'lankao.doctor');
    await doc.page.goto(`${app.url}/consultations/new?patientId=${p.json.id}&caseId=${caseId}`);
    const form = doc.page.locator('[data-testid=consultation-form]');
    await expect
      .poll(() => form.locator('select[name=targetHospitalId] option').count(), T)
      .toBeGreaterThan(1);
    const target = form.locator('select[name=targetHospitalId] option', { hasText: '北京大学第一医院' });
    await form.locator('select[name=targetHospitalId]').selectOption((await target.getAttribute('value'))!);
    await form.locator('select[name=type]').selectOption('remote_image_diagnosis');
    await form.locator('textarea[name=clinicalQuestion]').fill('右肺上叶结节，请协助判断性质。');
    expect(await form.textContent()).toContain('患者影像');
    await form.locator('[data-testid=request-attachments]').setInputFiles({
      name: '门诊病历.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
    });
    await form.locator('[data-testid=request-image-folder]').setInputFiles(CT_FOLDER);

    // One progress bar over the whole batch, running to 100 %.
    const bar = form.locator('[data-testid=request-images-progress]');
    await expect.poll(() => bar.count(), T).toBe(1);
    await expect.poll(() => bar.getAttribute('data-percent'), T).toBe('100');
    expect(await form.locator('progress').count()).toBe(1);
    expect(await bar.evaluate((b: HTMLProgressElement) => b.value === b.max)).toBe(true);
    const summary = form.locator('[data-testid=request-images-summary]');
    await expect.poll(() => summary.textContent(), T).toContain(`已存储 ${files.length}`);

    // The studies the batch landed in, described as a clinician reads them.
    const studies = form.locator('[data-testid=request-study]');
    await expect.poll(() => studies.count(), T).toBeGreaterThan(0);
    const described = (await studies.allTextContents()).join('\n');
    expect(described).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(described).toContain('CT');
    expect(described).toMatch(/\d+ 幅图像/);
    const studyCount = await studies.count();

    await form.locator('[data-testid=consultation-submit]').click();
    await expect.poll(() => doc.page.url(), T).toMatch(/\/consultations\/[0-9a-f-]{36}$/);
    const id = doc.page.url().split('/').at(-1)!;
    const detail = doc.page.locator('[data-testid=consultation-detail]');
    await expect.poll(() => detail.getAttribute('data-state'), T).toBe('submitted');
    const linked = doc.page.locator('[data-testid=case-study]');
    await expect.poll(() => linked.count(), T).toBe(studyCount);
    const cardText = async () => (await doc.page.locator('[data-testid=case-studies]').textContent()) ?? '';
    await expect.poll(cardText, T).toMatch(/\d{4}-\d{2}-\d{2}/);
    const card = await cardText();
    expect(card).toMatch(/CT/);
    expect(card).toMatch(/\d+ 幅图像/);
    expect(await doc.page.locator('[data-testid=case-studies] input:not([type=file])').count()).toBe(0);
    // The attachment came with the request.
    await expect.poll(() => detail.textContent(), T).toContain('门诊病历.pdf');

    // Studies are chosen, never typed: unlink one, then pick it again from the hospital's studies.
    await doc.page.locator('[data-testid=case-study] button.link').first().click();
    await expect.poll(() => linked.count(), T).toBe(studyCount - 1);
    await doc.page.locator('[data-testid=choose-study]').click();
    const picker = doc.page.locator('[data-testid=study-picker]');
    // It starts on the request's patient; the corpus studies carry another name, so none match yet.
    expect(await picker.locator('[data-testid=study-filter]').inputValue()).toBe('周桂芳');
    await expect.poll(() => picker.locator('[data-testid=study-choice]').count(), T).toBe(0);
    await picker.locator('[data-testid=study-filter]').fill('');
    await expect.poll(() => picker.locator('[data-testid=study-choice]').count(), T).toBe(1);
    expect(await picker.locator('[data-testid=study-choice]').textContent()).toMatch(/\d{4}-\d{2}-\d{2}.*CT/);
    await picker.locator('[data-testid=pick-study]').click();
    await expect.poll(() => linked.count(), T).toBe(studyCount);

    // The specialist accepts over the API, then opens the images from the case.
    const cardio = await apiLogin(app.url, 'pku.cardio');
    for (const body of [{ to: 'triaged', assigneeId: cardio.id }, { to: 'accepted' }]) {
      const r = await apiCall(app.url, cardio, 'POST', `/api/consultations/${id}/transitions`, body);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    const spec = await newPage(browser, { locale: 'zh-CN' });
    await login(spec.page, app.url, 'pku.cardio');
    await spec.page.goto(`${app.url}/consultations/${id}`);
    const open = spec.page.locator('[data-testid=open-images]');
    await expect.poll(() => open.count(), T).toBe(studyCount);
    expect(await open.first().textContent()).toBe('打开影像');
    await open.first().click();
    await expect.poll(() => spec.page.url(), T).toContain(`?consultation=${id}`);
    await expect.poll(() => litPixels(spec.page), T).toBeGreaterThan(1000);
    const panel = spec.page.locator('[data-testid=viewer-case-panel]');
    await expect.poll(() => panel.textContent(), T).toContain('右肺上叶结节，请协助判断性质。');
    expect(await panel.textContent()).toContain('周桂芳');

    // The report page links to the case's images too.
    await spec.page.goto(`${app.url}/consultations/${id}/report`);
    const fromReport = spec.page.locator('[data-testid=report-open-images]');
    await expect.poll(() => fromReport.count(), T).toBe(1);
    expect(await fromReport.textContent()).toContain(`本病例影像 (${studyCount})`);
    await fromReport.click();
    await expect.poll(() => litPixels(spec.page), T).toBeGreaterThan(1000);

    // A specialist off the team (the request left the queue when accepted) sees neither case nor images.
    const nephro = await apiLogin(app.url, 'pku.nephro');
    const list = await apiCall(app.url, nephro, 'GET', '/api/imaging/studies?limit=500');
    expect(list.status).toBe(200);
    expect((list.json as { patientName: string }[]).length).toBe(0);
    expect((await apiCall(app.url, nephro, 'GET', `/api/consultations/${id}`)).status).toBe(404);
  });
});
