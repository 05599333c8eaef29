/**
 * The second factor in the browser (zh-CN), with the production policy (a second factor required for
 * specialists, radiologists and administrators): a specialist signing in for the first time can only enrol an
 * authenticator app (QR code + key, a code, recovery codes shown once); the next sign-in asks for a code, and with
 * "remember this browser" the one after does not; from the account security page they end another browser's
 * session, which is signed out at once. The authenticator app is played by RFC 6238 computed in the test.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { base32Decode, hotp, stepAt } from '../../server/src/auth/mfa/totp';
import { DEMO_PASSWORD, newPage, screenshotsOnFailure, type AppProcess, withAppAndBrowser } from './harness';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;
withAppAndBrowser((a, b) => ([app, browser] = [a, b]), {
  env: { MFA_REQUIRED_ROLES: 'specialist,radiologist,program_admin,sys_admin' },
});

const T = { timeout: 20_000 };
const codeAt = (secret: string, offset: number) => hotp(base32Decode(secret), stepAt(Date.now()) + offset);

/** Sign out and wait until the server has ended the session: a page loaded before that still finds it signed in. */
async function signOut(page: Page) {
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/auth/logout')),
    page.locator('[data-testid=logout]').click(),
  ]);
}

async function signIn(page: Page, username: string) {
  await page.goto(app.url + '/');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(DEMO_PASSWORD);
  await page.locator('[data-testid=login-submit]').click();
}

describe('two-step verification in the browser', () => {
  it('enrols on first sign-in, asks for a code next time, remembers the browser, and ends another session', async () => {
    const { page } = await newPage(browser, { locale: 'zh-CN' });
    await signIn(page, 'pku.cardio');
    // Only enrolment is open: no app shell, a clear zh-CN explanation.
    await expect.poll(() => page.locator('[data-testid=mfa-enrol-page]').count(), T).toBe(1);
    expect(await page.locator('[data-testid=current-user]').count()).toBe(0);
    await expect.poll(() => page.getByText('您的角色要求启用双重验证').count(), T).toBeGreaterThan(0);
    await page.locator('[data-testid=mfa-start]').click();
    await expect.poll(() => page.locator('[data-testid=mfa-qr]').isVisible(), T).toBe(true);
    const secret = (await page.locator('[data-testid=mfa-secret]').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // A wrong code is refused in zh-CN, then the right one is accepted.
    await page.locator('[data-testid=mfa-code]').fill(codeAt(secret, 0) === '123456' ? '654321' : '123456');
    await page.locator('[data-testid=mfa-confirm]').click();
    await expect.poll(() => page.getByText('验证码不匹配').count(), T).toBeGreaterThan(0);
    await page.locator('[data-testid=mfa-code]').fill(codeAt(secret, 0));
    await page.locator('[data-testid=mfa-confirm]').click();
    await expect.poll(() => page.locator('[data-testid=mfa-recovery-codes] li').count(), T).toBe(10);
    const recovery = (await page.locator('[data-testid=mfa-recovery-codes] li').allTextContents()).map((s) =>
      s.trim(),
    );
    await page.locator('[data-testid=mfa-recovery-done]').click();
    await expect.poll(() => page.locator('[data-testid=current-user]').count(), T).toBe(1);

    // Next sign-in: the password, then a code (a later step: each code works once), remembering this browser.
    await signOut(page);
    await signIn(page, 'pku.cardio');
    await expect.poll(() => page.locator('[data-testid=login-code]').count(), T).toBe(1);
    await page.locator('[data-testid=login-code]').fill(codeAt(secret, 1));
    await page.getByText('在此浏览器上记住我').click();
    await page.locator('[data-testid=login-submit]').click();
    await expect.poll(() => page.locator('[data-testid=current-user]').count(), T).toBe(1);

    // Remembered: the password alone is enough on this browser.
    await signOut(page);
    await signIn(page, 'pku.cardio');
    await expect.poll(() => page.locator('[data-testid=current-user]').count(), T).toBe(1);

    // Another browser (no remembered device) needs a code: a recovery code.
    const other = await newPage(browser, { locale: 'zh-CN' });
    await signIn(other.page, 'pku.cardio');
    await expect.poll(() => other.page.locator('[data-testid=login-code]').count(), T).toBe(1);
    await other.page.locator('[data-testid=login-code]').fill(recovery[0]!);
    await other.page.locator('[data-testid=login-submit]').click();
    await expect.poll(() => other.page.locator('[data-testid=current-user]').count(), T).toBe(1);

    // The first browser lists its sessions and ends the other one: that browser is signed out.
    await page.goto(app.url + '/security');
    await expect.poll(() => page.locator('[data-testid=mfa-status]').textContent(), T).toContain('已启用');
    await expect.poll(() => page.locator('[data-testid=session-end]').count(), T).toBeGreaterThan(0);
    const before = await page.locator('[data-testid=session-end]').count();
    // The other browser's session is the most recently used one that is not this one.
    await page.locator('[data-testid=session-end]').first().click();
    await expect.poll(() => page.locator('[data-testid=session-end]').count(), T).toBe(before - 1);
    await other.page.reload();
    await expect.poll(() => other.page.locator('[data-testid=login-submit]').count(), T).toBe(1);
    expect(await other.page.locator('[data-testid=current-user]').count()).toBe(0);
  });
});
