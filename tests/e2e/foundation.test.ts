import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  holdRequests,
  login,
  newPage,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;

// A newcomer's first start: on an empty data directory, not a copy of the run's template.
withAppAndBrowser((a, b) => ([app, browser] = [a, b]), { fresh: true });

describe('foundation in a real browser', () => {
  it('prints the demo logins on first start of an empty data dir', () => {
    expect(app.output()).toContain('Demo accounts');
    expect(app.output()).toContain('lankao.doctor');
  });

  it('county doctor signs in (zh-CN) and sees only her own hospital and its partner', async () => {
    const { page, context } = await newPage(browser, { locale: 'zh-CN' });
    await login(page, app.url, 'lankao.doctor');
    await expect
      .poll(() => page.locator('[data-testid=current-hospital]').textContent())
      .toBe('兰考县人民医院');
    await expect.poll(() => page.locator('nav').textContent()).toContain('工作台');
    const table = page.locator('[data-testid=visible-hospitals]');
    await expect.poll(() => table.locator('tr').count()).toBe(2);
    const text = await table.textContent();
    expect(text).toContain('北京大学第一医院');
    expect(text).toContain('兰考县人民医院');
    expect(text).not.toContain('临泉');
    expect(text).not.toContain('万全');
    // No administration for a clinician.
    expect(await page.locator('nav').textContent()).not.toContain('用户管理');
    await context.close();
  });

  it('the same user in English, switching language, and the choice is remembered per user', async () => {
    const { page, context } = await newPage(browser, { locale: 'en-US' });
    await login(page, app.url, 'lankao.doctor');
    // The account's saved locale (zh-CN) wins over the browser's on sign-in.
    await expect.poll(() => page.locator('[data-testid=locale-switch]').textContent()).toBe('English');
    // The choice is held on its way to the server while the user signs out at once: signing out waits for it
    // (it used to end the session first, the save was refused, and the choice was lost).
    const logouts: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/auth/logout')) logouts.push(r.method());
    });
    const save = await holdRequests(page, '**/api/auth/me/locale');
    await page.locator('[data-testid=locale-switch]').click();
    await expect
      .poll(() => page.locator('[data-testid=current-hospital]').textContent())
      .toBe("Lankao County People's Hospital");
    await expect.poll(() => page.locator('nav').textContent()).toContain('Home');
    await page.locator('[data-testid=logout]').click();
    await expect.poll(() => page.locator('[data-testid=logout]').textContent()).toBe('Signing out…');
    expect(logouts).toEqual([]);
    save.release();
    await expect.poll(() => page.locator('[data-testid=login-submit]').count()).toBe(1);
    expect(logouts).toEqual(['POST']);
    const second = await newPage(browser, { locale: 'zh-CN' });
    await login(second.page, app.url, 'lankao.doctor');
    await expect
      .poll(() => second.page.locator('[data-testid=current-hospital]').textContent())
      .toBe("Lankao County People's Hospital");
    await second.context.close();
    await context.close();
  });

  it('a wrong password shows an error and no session', async () => {
    const { page, context } = await newPage(browser);
    await page.goto(app.url + '/');
    await page.locator('input[name=username]').fill('lankao.doctor');
    await page.locator('input[name=password]').fill('not-the-password');
    await page.locator('[data-testid=login-submit]').click();
    await expect
      .poll(() => page.locator('[data-testid=login-error]').textContent())
      .toMatch(/wrong username or password/i);
    expect(await page.locator('[data-testid=current-user]').count()).toBe(0);
    await context.close();
  });

  it('program administrator creates a pairing that the county doctor then sees', async () => {
    const { page, context } = await newPage(browser, { locale: 'en-US' });
    await login(page, app.url, 'program');
    await page.goto(app.url + '/admin/pairings');
    const form = page.locator('[data-testid=pairing-form]');
    await expect.poll(() => form.locator('select[name=tertiary] option').count()).toBeGreaterThan(1);
    // The program administrator's saved locale is zh-CN: hospital names show in Chinese.
    await form.locator('select[name=tertiary]').selectOption({ label: '北京大学第一医院' });
    await form.locator('select[name=county]').selectOption({ label: '张家口市万全区医院' });
    await form.locator('input[name=program]').fill('PKU First – Wanquan tele-radiology');
    await form.locator('input[name=since]').fill('2026-11-01');
    await form.locator('button[type=submit]').click();
    const row = page.locator('[data-testid=pairing-table] tr', {
      hasText: 'PKU First – Wanquan tele-radiology',
    });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('张家口市万全区医院');

    const doc = await newPage(browser, { locale: 'en-US' });
    await login(doc.page, app.url, 'wanquan.doctor');
    const table = doc.page.locator('[data-testid=visible-hospitals]');
    await expect.poll(async () => (await table.textContent()) ?? '').toContain('北京大学第一医院');
    await doc.context.close();
    await context.close();
  });
});
