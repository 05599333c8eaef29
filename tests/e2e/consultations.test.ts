/**
 * Consultations end to end, two browser contexts side by side: a county doctor creates a patient and an urgent
 * request; the specialist's triage queue shows it live; the specialist accepts; the county page shows
 * "accepted" live; a message round-trips. No page is reloaded after the first load.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { login, newPage, screenshotsOnFailure, type AppProcess, withAppAndBrowser } from './harness';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

const T = { timeout: 20_000 };

/** Client-side navigation (no reload): push the URL and let the router pick it up. */
async function navigate(page: Page, path: string) {
  await page.evaluate((p) => {
    window.history.pushState({}, '', p);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

describe('consultation request in two browsers', () => {
  it('county asks, specialist sees it live, accepts, county sees it live, they talk', async () => {
    const county = await newPage(browser, { locale: 'zh-CN' });
    const spec = await newPage(browser, { locale: 'zh-CN' });
    await login(county.page, app.url, 'lankao.doctor');
    await login(spec.page, app.url, 'pku.cardio');

    // The specialist opens the triage queue first and leaves it open.
    await navigate(spec.page, '/consultations');
    await expect.poll(() => spec.page.locator('[data-testid=tab-queue]').count(), T).toBe(1);
    const bellBefore = await spec.page.locator('[data-testid=inbox-unread]').count();

    // County doctor: new patient file …
    const c = county.page;
    await navigate(c, '/patients/new');
    await c.locator('[data-testid=patient-form] input[name=name]').fill('赵桂芳');
    await c.locator('[data-testid=patient-form] select[name=sex]').selectOption('female');
    await c.locator('[data-testid=patient-form] input[name=birthDate]').fill('1956-08-09');
    await c.locator('[data-testid=patient-form] input[name=nationalId]').fill('410225195608091025');
    await c.locator('[data-testid=patient-form] input[name=village]').fill('谷营镇');
    await c.locator('[data-testid=patient-form] input[name=povertyRegistered]').check();
    await c.locator('[data-testid=patient-save]').click();
    await expect.poll(() => c.locator('[data-testid=patient-detail] h1').textContent(), T).toBe('赵桂芳');
    // … a case (one disease, one file) …
    await c.locator('[data-testid=case-form] input[name=diagnosis]').fill('慢性心力衰竭');
    await c.locator('[data-testid=case-form] input[name=icd10]').fill('I50.9');
    await c.locator('[data-testid=case-save]').click();
    await expect.poll(() => c.locator('[data-testid=case-card]').count(), T).toBe(1);
    // … and an urgent request to the paired tertiary hospital.
    await c.locator('[data-testid=request-consultation]').click();
    const form = c.locator('[data-testid=consultation-form]');
    await expect.poll(() => form.locator('select[name=caseId] option').count(), T).toBe(1);
    await form.locator('select[name=urgency]').selectOption('urgent');
    await expect.poll(() => form.locator('select[name=targetHospitalId]').inputValue(), T).not.toBe('');
    await form
      .locator('textarea[name=clinicalQuestion]')
      .fill('NYHA III 级，利尿剂效果欠佳，是否调整治疗方案？');
    await c.locator('[data-testid=consultation-submit]').click();
    const detail = c.locator('[data-testid=consultation-detail]');
    await expect.poll(() => detail.getAttribute('data-state'), T).toBe('submitted');
    await expect.poll(() => c.locator('[data-testid=sla-clock]').count(), T).toBe(1);

    // Specialist: the queue shows it without a reload, and the inbox bell counts it.
    const s = spec.page;
    const row = s.locator('[data-testid=consultation-row]', { hasText: '赵桂芳' });
    await expect.poll(() => row.count(), T).toBe(1);
    expect(await row.textContent()).toContain('加急');
    await expect.poll(() => s.locator('[data-testid=inbox-unread]').count(), T).toBe(1);
    expect(bellBefore).toBe(0);

    // Specialist takes it and accepts.
    await row.click();
    const sDetail = s.locator('[data-testid=consultation-detail]');
    await expect.poll(() => sDetail.getAttribute('data-state'), T).toBe('submitted');
    await s.locator('[data-testid=action-assign-me]').click();
    await expect.poll(() => sDetail.getAttribute('data-state'), T).toBe('triaged');
    await s.locator('[data-testid=action-accepted]').click();
    await expect.poll(() => sDetail.getAttribute('data-state'), T).toBe('accepted');

    // County page (never reloaded) shows accepted live, with the specialist as assignee.
    await expect.poll(() => detail.getAttribute('data-state'), T).toBe('accepted');
    await expect.poll(() => c.locator('[data-testid=assignee]').textContent(), T).toContain('陈教授');
    await expect.poll(() => c.locator('[data-testid=timeline] li').count(), T).toBe(4); // draft, submitted, triaged, accepted

    // A message round-trips.
    await s.locator('[data-testid=message-form] textarea').fill('建议加用螺内酯 20mg qd，两周后复查电解质。');
    await s.locator('[data-testid=message-send]').click();
    await expect.poll(() => c.locator('[data-testid=message]', { hasText: '螺内酯' }).count(), T).toBe(1);
    await c.locator('[data-testid=message-form] textarea').fill('收到，已调整，两周后复查。');
    await c.locator('[data-testid=message-send]').click();
    await expect
      .poll(() => s.locator('[data-testid=message]', { hasText: '两周后复查。' }).count(), T)
      .toBe(1);

    await county.context.close();
    await spec.context.close();
  });
});
