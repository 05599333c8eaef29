/**
 * A round scheduled from the case and its room, in two Chromium browsers (zh-CN, fake camera and microphone):
 * the consultant's "Schedule a round" prefills title, agenda and care team and moves the request to scheduled;
 * the county doctor's inbox invitation joins the room. At 1366×768 and at 1920×1080 the controls (mute, camera,
 * share, raise hand, leave) lie inside the viewport and take clicks; the participant list shows both people with
 * role and hospital, mute state and a measured connection quality; a raised hand reaches the other browser and
 * the host lowers it; the speaker layout keeps the controls in view. Screenshots go to tests/artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  apiCall,
  apiLogin,
  ARTIFACTS,
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
// Started here rather than with withAppAndBrowser: a loaded machine needs longer than its default to boot.
beforeAll(async () => {
  app = await startApp({ env: { SFU_LISTEN_IP: '127.0.0.1' }, timeoutMs: 380_000 });
  browser = await launchBrowser();
}, 400_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const T = { timeout: 30_000 };
const CONTROLS = ['toggle-mic', 'toggle-cam', 'toggle-screen', 'toggle-hand', 'toggle-layout', 'room-leave'];

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
    name: '赵桂芳',
    sex: 'female',
    birthDate: '1956-09-02',
  });
  const withCase = await apiCall(app.url, county, 'POST', `/api/patients/${p.json.id}/cases`, {
    diagnosis: '高血压 3 级',
    icd10: 'I10',
    status: 'chronic',
  });
  const c = await apiCall(app.url, county, 'POST', '/api/consultations', {
    patientId: p.json.id,
    caseId: withCase.json.cases[0].id,
    type: 'remote_consultation',
    urgency: 'routine',
    clinicalQuestion: '三联降压仍控制不佳，下一步方案？',
    targetHospitalId: pku.id,
  });
  expect(c.status).toBe(201);
  const id = c.json.id as string;
  await apiCall(app.url, cardio, 'POST', `/api/consultations/${id}/transitions`, {
    to: 'triaged',
    assigneeId: cardio.id,
  });
  expect(
    (await apiCall(app.url, cardio, 'POST', `/api/consultations/${id}/transitions`, { to: 'accepted' }))
      .status,
  ).toBe(200);
  return id;
}

/** Each control lies wholly inside the viewport and is the element that receives a click at its centre. */
async function controlsInView(page: Page) {
  const vp = page.viewportSize()!;
  for (const id of CONTROLS) {
    const el = page.locator(`[data-testid=${id}]`);
    const box = await el.boundingBox();
    expect(box, id).not.toBeNull();
    expect(box!.x, id).toBeGreaterThanOrEqual(0);
    expect(box!.y, id).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, id).toBeLessThanOrEqual(vp.width);
    expect(box!.y + box!.height, id).toBeLessThanOrEqual(vp.height);
    expect(box!.height, id).toBeGreaterThanOrEqual(24);
    const hit = await page.evaluate(
      ([x, y, testId]) => !!document.elementFromPoint(x!, y!)?.closest(`[data-testid="${testId}"]`),
      [box!.x + box!.width / 2, box!.y + box!.height / 2, id] as const,
    );
    expect(hit, `${id} receives the click`).toBe(true);
    await el.click({ trial: true, timeout: 5000 });
  }
}

const attr = (page: Page, testId: string, name: string) =>
  page
    .locator(`[data-testid="${testId}"]`)
    .getAttribute(name, { timeout: 1000 })
    .catch(() => null);

describe('a round from the case, and its room at laptop and desktop sizes', () => {
  let caseId: string;
  let roundId: string;

  it('the consultant schedules a round from the case: prefilled, the request moves to scheduled', async () => {
    caseId = await acceptedCase();
    const { page } = await newPage(browser, { locale: 'zh-CN' });
    await login(page, app.url, 'pku.cardio');
    await page.goto(`${app.url}/consultations/${caseId}`);
    await page.locator('[data-testid=schedule-round]').click();
    await expect
      .poll(() => page.locator('input[name=title]').inputValue(), T)
      .toBe('赵桂芳 · 三联降压仍控制不佳，下一步方案？');
    expect(await page.locator('[data-testid=round-from-case]').textContent()).toContain('已排期');
    expect(await page.locator('[data-testid=agenda-title-0]').inputValue()).toBe(
      '赵桂芳 · 三联降压仍控制不佳，下一步方案？',
    );
    expect(await page.locator('[data-testid=agenda-case-0]').inputValue()).toBe(caseId);
    const county = await apiLogin(app.url, 'lankao.doctor');
    expect(await page.locator(`[data-testid=invite-${county.id}]`).isChecked()).toBe(true);
    const when = new Date(Date.now() + 5 * 60_000);
    const local = new Date(when.getTime() - when.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.locator('input[name=scheduledAt]').fill(local);
    await page.locator('[data-testid=round-create]').click();
    await page.waitForURL(/\/rounds\/[0-9a-f-]{36}$/, T);
    roundId = /\/rounds\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    expect(await page.locator('[data-testid=round-agenda]').textContent()).toContain('赵桂芳');
    expect(await page.locator('[data-testid=round-ics]').getAttribute('href')).toBe(
      `/api/rounds/${roundId}/calendar.ics`,
    );
    const c = await apiCall(app.url, county, 'GET', `/api/consultations/${caseId}`);
    expect(c.json.state).toBe('scheduled');
    await page.close();
  }, 240_000);

  for (const size of [
    { width: 1366, height: 768 },
    { width: 1920, height: 1080 },
  ]) {
    it(`${size.width}×${size.height}: controls in view, participants, mute, quality, raised hand, layouts`, async () => {
      const host = await apiLogin(app.url, 'pku.cardio');
      const county = await apiLogin(app.url, 'lankao.doctor');
      const { page: hostPage } = await newPage(browser, { locale: 'zh-CN', viewport: size });
      const { page: countyPage } = await newPage(browser, { locale: 'zh-CN', viewport: size });
      await login(hostPage, app.url, 'pku.cardio');
      await login(countyPage, app.url, 'lankao.doctor');
      await hostPage.goto(`${app.url}/rounds/${roundId}/room`);
      // The county doctor joins from the invitation in the inbox.
      await countyPage.goto(`${app.url}/inbox`);
      await countyPage.locator('[data-testid=inbox-join]').first().click();
      await countyPage.waitForURL(new RegExp(`/rounds/${roundId}/room$`), T);

      for (const [page, other, role] of [
        [hostPage, county.id, '县医院医生'],
        [countyPage, host.id, '会诊专家'],
      ] as const) {
        await expect.poll(() => page.locator(`[data-testid="participant-${other}"]`).count(), T).toBe(1);
        const list = await page.locator('[data-testid=participants]').textContent();
        expect(list).toContain('参会人员 (2)');
        expect(list).toContain(role);
        expect(list).toMatch(/北京大学第一医院/);
        expect(list).toMatch(/兰考县人民医院/);
        await controlsInView(page);
        // The shared viewer appears, and its code (cornerstone, ~2 MB) was fetched only once the join received
        // what was in the room: fetched and parsed during the join, it held the join's steps back.
        await expect.poll(() => page.locator('[data-testid=sync-panel]').count(), T).toBe(1);
        const order = await page.evaluate(() => ({
          viewer:
            performance.getEntriesByType('resource').find((e) => /\/viewer-[^/]*\.js$/.test(e.name))
              ?.startTime ?? null,
          consuming: performance.getEntriesByName('round:consuming')[0]?.startTime ?? null,
        }));
        expect(order.viewer).not.toBeNull();
        expect(order.consuming).not.toBeNull();
        expect(order.viewer!).toBeGreaterThanOrEqual(order.consuming!);
      }

      // Quality measured from WebRTC stats (loopback: good).
      await expect.poll(() => attr(hostPage, `quality-${county.id}`, 'data-level'), T).toBe('good');
      await expect.poll(() => attr(countyPage, 'quality-' + county.id, 'data-level'), T).toBe('good');

      // Mute shows on the other side.
      await countyPage.locator('[data-testid=toggle-mic]').click();
      await expect.poll(() => attr(hostPage, `participant-${county.id}`, 'data-muted'), T).toBe('true');
      await countyPage.locator('[data-testid=toggle-mic]').click();
      await expect.poll(() => attr(hostPage, `participant-${county.id}`, 'data-muted'), T).toBe('false');

      // A raised hand reaches the host, who lowers it.
      await countyPage.locator('[data-testid=toggle-hand]').click();
      await expect.poll(() => attr(hostPage, `participant-${county.id}`, 'data-hand'), T).toBe('true');
      expect(await hostPage.locator(`[data-testid="tile-${county.id}"] figcaption`).textContent()).toContain(
        '✋',
      );
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await hostPage.screenshot({
        path: path.join(ARTIFACTS, `round-room-${size.width}x${size.height}.png`),
      });
      await hostPage.locator(`[data-testid="lower-hand-${county.id}"]`).click();
      await expect.poll(() => attr(countyPage, `participant-${county.id}`, 'data-hand'), T).toBe('false');
      expect(await attr(countyPage, 'toggle-hand', 'aria-pressed')).toBe('false');

      // Speaker layout: one large tile, the controls still in view.
      await hostPage.locator('[data-testid=toggle-layout]').click();
      await expect.poll(() => hostPage.locator('.rounds-layout-speaker .rounds-speaker').count(), T).toBe(1);
      await controlsInView(hostPage);
      await hostPage.screenshot({
        path: path.join(ARTIFACTS, `round-room-speaker-${size.width}x${size.height}.png`),
      });

      await countyPage.locator('[data-testid=room-leave]').click();
      await expect
        .poll(() => hostPage.locator(`[data-testid="participant-${county.id}"]`).count(), T)
        .toBe(0);
      await hostPage.close();
      await countyPage.close();
    }, 300_000);
  }
});
