/**
 * zh-CN everywhere: a county doctor, a specialist, a program administrator and the system administrator walk the
 * main pages in Chinese on the demo caseload. No page may show a raw i18n key or an English server sentence,
 * no browser dialog (prompt/alert/confirm) may open, and failures (a wrong password, a missing file, a wrong
 * national ID) read in Chinese.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  answerDialogs,
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
withAppAndBrowser((a, b) => ([app, browser] = [a, b]), { env: { SEED_DEMO_CASES: 'true' } });

const T = { timeout: 20_000 };

/** Namespaces of the client's dictionaries: `patients.fuDate` on screen is an untranslated key. */
const RAW_KEY =
  /\b(?:app|common|nav|login|role|tier|home|locale|error|field|patients|consult|reports|rounds|imaging|viewer|sync|inbox|admin|audit|dashboard|stats)\.[a-zA-Z_]+(?:\.[a-zA-Z_]+)*\b/;
/** What the server says in English (DomainError messages) and the client's old fallbacks. */
const ENGLISH_SERVER = [
  /not found/i,
  /not allowed/i,
  /already exists/i,
  /invalid transition/i,
  /must be/i,
  /request failed/i,
  /wrong username or password/i,
  /Something went wrong/,
  /Unauthorized|Forbidden|Bad Request|Internal Server Error/,
];

/**
 * Every browser dialog is a failure; they are recorded and dismissed so the page does not hang. A "Leave site?"
 * question is accepted, as the harness does: the walk's own navigation asked for it.
 */
function watchDialogs(page: Page): string[] {
  const seen: string[] = [];
  answerDialogs(page, async (d) => {
    if (d.type() === 'beforeunload') return d.accept();
    seen.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  return seen;
}

async function settled(page: Page): Promise<string> {
  await expect.poll(() => page.locator('main [aria-busy=true]').count(), T).toBe(0);
  return page.locator('body').innerText();
}

async function expectChinese(page: Page, where: string): Promise<void> {
  const text = await settled(page);
  expect(text.match(RAW_KEY)?.[0] ?? null, `${where}: raw key`).toBeNull();
  for (const re of ENGLISH_SERVER) expect(re.test(text), `${where}: ${re}`).toBe(false);
  expect(/[\u4e00-\u9fff]/.test(text), `${where}: no Chinese at all`).toBe(true);
}

/** Some demo accounts saved English as their language; switch them to Chinese (the switch names the other one). */
async function useChinese(page: Page): Promise<void> {
  const sw = page.locator('[data-testid=locale-switch]');
  if ((await sw.textContent()) === '中文') await sw.click();
  await expect.poll(() => sw.textContent(), T).toBe('English');
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(app.url + path);
  await expect.poll(() => page.locator('[data-testid=current-user]').count(), T).toBe(1);
  await expectChinese(page, path);
}

describe('zh-CN everywhere', () => {
  it('a wrong password is said in Chinese', async () => {
    const { page, context } = await newPage(browser, { locale: 'zh-CN' });
    await page.goto(app.url + '/');
    await page.locator('input[name=username]').fill('lankao.doctor');
    await page.locator('input[name=password]').fill('not-the-password');
    await page.locator('[data-testid=login-submit]').click();
    await expect
      .poll(() => page.locator('[data-testid=login-error]').textContent(), T)
      .toContain('用户名或密码错误');
    await context.close();
  });

  it('the county doctor’s pages, a missing file and a wrong national ID read in Chinese', async () => {
    const { page, context } = await newPage(browser, { locale: 'zh-CN' });
    const dialogs = watchDialogs(page);
    await login(page, app.url, 'lankao.doctor');
    for (const path of [
      '/',
      '/patients',
      '/patients/overdue',
      '/consultations',
      '/reports',
      '/imaging',
      '/rounds',
      '/inbox',
    ])
      await visit(page, path);

    // The demo caseload has overdue follow-ups; the poverty flag shows in the list.
    await page.goto(app.url + '/patients/overdue');
    await expect.poll(() => page.locator('[data-testid=overdue-row]').count(), T).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=overdue-list]').first().textContent()).toMatch(/逾期 \d+ 天/);

    // A patient file with its structured follow-up form.
    await page.goto(app.url + '/patients');
    await page.locator('[data-testid=patient-row] a').first().click();
    await expect.poll(() => page.locator('[data-testid=patient-detail]').count(), T).toBe(1);
    await expectChinese(page, 'patient file');
    const fuForm = page.locator('[data-testid=follow-up-form]').first();
    expect(await fuForm.locator('input[name=systolic]').getAttribute('aria-label')).toBe('收缩压');
    expect(await fuForm.textContent()).toContain('服药依从性');

    // A file that does not exist: the server's "patient not found" becomes a Chinese sentence.
    await page.goto(`${app.url}/patients/00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => page.locator('main [role=alert]').textContent(), T).toContain('找不到');
    await expectChinese(page, 'missing patient');

    // New patient: no sex chosen in advance; a wrong check digit is named before saving.
    await page.goto(app.url + '/patients/new');
    const form = page.locator('[data-testid=patient-form]');
    await expect.poll(() => form.locator('select[name=sex]').inputValue(), T).toBe('');
    await form.locator('input[name=birthDate]').fill('1956-08-09');
    await form.locator('input[name=nationalId]').fill('410225195608091026');
    await expect
      .poll(() => page.locator('[data-testid=national-id-fault]').textContent(), T)
      .toContain('校验码错误');
    expect(await page.locator('[data-testid=patient-save]').isDisabled()).toBe(true);
    await form.locator('input[name=nationalId]').fill('410225195608091025');
    await expect.poll(() => page.locator('[data-testid=national-id-fault]').count(), T).toBe(0);
    await expectChinese(page, 'patient form');
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('the specialist’s, the program’s and the administrator’s pages read in Chinese, audit labels included', async () => {
    for (const [user, paths] of [
      ['pku.cardio', ['/', '/consultations', '/reports', '/rounds', '/imaging', '/inbox']],
      ['program', ['/', '/dashboard', '/stats', '/admin/hospitals', '/admin/pairings']],
      ['sysadmin', ['/', '/admin/users', '/admin/audit']],
    ] as const) {
      const { page, context } = await newPage(browser, { locale: 'zh-CN' });
      const dialogs = watchDialogs(page);
      await login(page, app.url, user);
      await useChinese(page);
      for (const path of paths) await visit(page, path);
      if (user === 'sysadmin') {
        // Audit actions as words, not codes such as patient.follow_up.create.
        await page.goto(app.url + '/admin/audit');
        await expect.poll(() => page.locator('main table tbody tr').count(), T).toBeGreaterThan(5);
        const cells = await page.locator('main table tbody tr td:nth-child(4)').allInnerTexts();
        expect(cells.filter((c) => /^[a-z_]+(\.[a-z_]+)+$/.test(c.trim()))).toEqual([]);
        // Resetting a password asks in the app's own dialog, in Chinese.
        await page.goto(app.url + '/admin/users');
        await page.getByRole('button', { name: '重置密码' }).first().click();
        const prompt = page.locator('[data-testid=text-prompt]');
        await expect.poll(() => prompt.count(), T).toBe(1);
        expect(await prompt.textContent()).toContain('新密码');
        await prompt.getByRole('button', { name: '取消' }).click();
        await expect.poll(() => prompt.count(), T).toBe(0);
      }
      expect(dialogs, user).toEqual([]);
      await context.close();
    }
  });

  it('a new request raises a toast naming the patient; it opens the request and marks it read', async () => {
    const { page, context } = await newPage(browser, { locale: 'zh-CN' });
    await login(page, app.url, 'pku.cardio');
    await useChinese(page);
    await visit(page, '/consultations');
    const county = await apiLogin(app.url, 'lankao.doctor');
    const hospitals = (await apiCall(app.url, county, 'GET', '/api/hospitals')).json as {
      id: string;
      nameEn: string;
    }[];
    const pku = hospitals.find((h) => h.nameEn.startsWith('Peking'))!.id;
    const p = (
      await apiCall(app.url, county, 'POST', '/api/patients', {
        name: '孙凤英',
        sex: 'female',
        birthDate: '1962-07-01',
      })
    ).json as { id: string };
    const withCase = (
      await apiCall(app.url, county, 'POST', `/api/patients/${p.id}/cases`, {
        diagnosis: '慢性肾脏病',
        icd10: 'N18.3',
      })
    ).json as { cases: { id: string }[] };
    const c = await apiCall(app.url, county, 'POST', '/api/consultations', {
      patientId: p.id,
      caseId: withCase.cases[0]!.id,
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion: '肌酐进行性升高，是否需要调整治疗？',
      targetHospitalId: pku,
    });
    expect(c.status).toBe(201);
    const toast = page.locator('[data-testid=toast]').filter({ hasText: '孙凤英' });
    await expect.poll(() => toast.count(), T).toBe(1);
    expect(await toast.textContent()).toContain('新的会诊申请');
    const unreadBefore = Number(await page.locator('[data-testid=inbox-unread]').textContent());
    await toast.locator('button.link').click();
    await expect.poll(() => page.url(), T).toContain(`/consultations/${(c.json as { id: string }).id}`);
    await expect
      .poll(async () => Number((await page.locator('[data-testid=inbox-unread]').textContent()) ?? 0), T)
      .toBe(unreadBefore - 1);
    await context.close();
  });
});
