/**
 * The care team in the browser (zh-CN): the consultant brings a radiologist into a case from the case page;
 * before that the radiologist cannot open it, after it they can (and may leave); a colleague off the team still
 * cannot; the county doctor gives the teaching-round consent. The request is prepared over the API.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  apiCall,
  apiLogin,
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

const T = { timeout: 20_000 };

/** Lankao's request to PKU, accepted by pku.cardio. */
async function acceptedCase(): Promise<string> {
  const county = await apiLogin(app.url, 'lankao.doctor');
  const cardio = await apiLogin(app.url, 'pku.cardio');
  const hospitals = (await apiCall(app.url, county, 'GET', '/api/hospitals')).json as {
    id: string;
    nameEn: string;
  }[];
  const pku = hospitals.find((h) => h.nameEn.startsWith('Peking University First'))!;
  const p = await apiCall(app.url, county, 'POST', '/api/patients', {
    name: '孙玉兰',
    sex: 'female',
    birthDate: '1952-05-17',
  });
  const withCase = await apiCall(app.url, county, 'POST', `/api/patients/${p.json.id}/cases`, {
    diagnosis: '肺部结节',
    icd10: 'R91',
    status: 'active',
  });
  const c = await apiCall(app.url, county, 'POST', '/api/consultations', {
    patientId: p.json.id,
    caseId: withCase.json.cases[0].id,
    type: 'remote_image_diagnosis',
    urgency: 'routine',
    clinicalQuestion: '右肺上叶结节，性质待定？',
    targetHospitalId: pku.id,
  });
  expect(c.status).toBe(201);
  const id = c.json.id as string;
  await apiCall(app.url, cardio, 'POST', `/api/consultations/${id}/transitions`, {
    to: 'triaged',
    assigneeId: cardio.id,
  });
  const acc = await apiCall(app.url, cardio, 'POST', `/api/consultations/${id}/transitions`, {
    to: 'accepted',
  });
  expect(acc.status).toBe(200);
  return id;
}

describe('care team', () => {
  it('the consultant adds a radiologist; only the team opens the case; the county consents to teaching', async () => {
    const id = await acceptedCase();
    const spec = await newPage(browser, { locale: 'zh-CN' });
    const rad = await newPage(browser, { locale: 'zh-CN' });
    const county = await newPage(browser, { locale: 'zh-CN' });
    const nephro = await newPage(browser, { locale: 'zh-CN' });
    await login(spec.page, app.url, 'pku.cardio');
    await login(rad.page, app.url, 'pku.radiology');
    await login(county.page, app.url, 'lankao.doctor');
    await login(nephro.page, app.url, 'pku.nephro');

    // Off the team, the radiologist does not get the case.
    await rad.page.goto(`${app.url}/consultations/${id}`);
    await expect.poll(() => rad.page.locator('[role=alert]').count(), T).toBe(1);
    expect(await rad.page.locator('[data-testid=consultation-detail]').count()).toBe(0);

    // The consultant adds them from the case page.
    await spec.page.goto(`${app.url}/consultations/${id}`);
    const team = spec.page.locator('[data-testid=care-team]');
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

    // Now the radiologist opens it and sees themselves on the team; a colleague off the team still cannot.
    await rad.page.goto(`${app.url}/consultations/${id}`);
    await expect.poll(() => rad.page.locator('[data-testid=consultation-detail]').count(), T).toBe(1);
    await expect.poll(() => rad.page.locator('[data-testid=care-team-members] li').count(), T).toBe(3);
    await nephro.page.goto(`${app.url}/consultations/${id}`);
    await expect.poll(() => nephro.page.locator('[role=alert]').count(), T).toBe(1);

    // The county doctor gives the teaching consent; the consultant's page shows it after the push.
    await county.page.goto(`${app.url}/consultations/${id}`);
    const share = county.page.locator('[data-testid=teaching-share]');
    await expect.poll(() => share.count(), T).toBe(1);
    expect(await share.isChecked()).toBe(false);
    await share.check();
    await expect.poll(() => share.isChecked(), T).toBe(true);
    await expect.poll(() => team.textContent(), T).toContain('已同意用于教学查房');

    // The radiologist leaves; the case is gone for them at once.
    const leave = rad.page.locator(`[data-testid^=team-remove-]`);
    await leave.click();
    await rad.page.goto(`${app.url}/consultations/${id}`);
    await expect.poll(() => rad.page.locator('[role=alert]').count(), T).toBe(1);
  });
});
