/**
 * Home is a worklist (zh-CN, Chromium): a county doctor sees their draft and the request returned for
 * information; a specialist sees the triage queue with its SLA clock (a breached emergency first) and the case
 * they accepted. When the county resubmits, both homes change without a reload. Requests are prepared over the API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ARTIFACTS,
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

let app: AppProcess;
let browser: Browser;
// An emergency request is overdue within seconds, so the breached flag shows without waiting hours.
withAppAndBrowser((a, b) => ([app, browser] = [a, b]), { env: { SLA_EMERGENCY_HOURS: '0.001' } });

const T = { timeout: 20_000 };

async function request(
  county: ApiUser,
  targetId: string,
  name: string,
  opts: { urgency: string; submit?: boolean },
): Promise<string> {
  const p = await apiCall(app.url, county, 'POST', '/api/patients', {
    name,
    sex: 'female',
    birthDate: '1956-04-02',
    povertyRegistered: true,
  });
  expect(p.status).toBe(201);
  const withCase = await apiCall(app.url, county, 'POST', `/api/patients/${p.json.id}/cases`, {
    diagnosis: '慢性心力衰竭',
    icd10: 'I50.9',
    status: 'chronic',
  });
  const c = await apiCall(app.url, county, 'POST', '/api/consultations', {
    patientId: p.json.id,
    caseId: withCase.json.cases[0].id,
    type: 'remote_consultation',
    urgency: opts.urgency,
    clinicalQuestion: '是否需要调整利尿剂剂量？',
    targetHospitalId: targetId,
    ...(opts.submit === false ? { submit: false } : {}),
  });
  expect(c.status, JSON.stringify(c.json)).toBe(201);
  return c.json.id as string;
}

const rows = (page: Page, section: string) =>
  page.locator(`[data-testid=worklist-${section}] [data-testid=worklist-row]`);
const texts = (page: Page, section: string) => rows(page, section).allTextContents();

describe('home worklist', () => {
  it('county doctor and specialist each see what needs them, live', async () => {
    const county = await apiLogin(app.url, 'lankao.doctor');
    const cardio = await apiLogin(app.url, 'pku.cardio');
    const hospitals = (await apiCall(app.url, county, 'GET', '/api/hospitals')).json as {
      id: string;
      nameEn: string;
    }[];
    const pku = hospitals.find((h) => h.nameEn.startsWith('Peking University First'))!.id;
    const move = (id: string, body: Record<string, unknown>) =>
      apiCall(app.url, cardio, 'POST', `/api/consultations/${id}/transitions`, body);

    await request(county, pku, '草稿患者李秀英', { urgency: 'routine', submit: false });
    const returned = await request(county, pku, '退回患者王桂兰', { urgency: 'urgent' });
    expect((await move(returned, { to: 'returned_for_information', reason: '请补充心电图' })).status).toBe(
      200,
    );
    const emergency = await request(county, pku, '急诊患者赵淑珍', { urgency: 'emergency' });
    const accepted = await request(county, pku, '已接诊患者刘凤英', { urgency: 'routine' });
    expect((await move(accepted, { to: 'triaged', assigneeId: cardio.id })).status).toBe(200);
    expect((await move(accepted, { to: 'accepted' })).status).toBe(200);
    // Wait (bounded) until the emergency's response time has passed on the server.
    await expect
      .poll(
        async () =>
          (await apiCall(app.url, cardio, 'GET', '/api/worklist')).json.triage.items[0]?.slaBreached === true,
        T,
      )
      .toBe(true);

    const doc = await newPage(browser, { locale: 'zh-CN' });
    const spec = await newPage(browser, { locale: 'zh-CN' });
    await login(doc.page, app.url, 'lankao.doctor');
    await login(spec.page, app.url, 'pku.cardio');

    // County doctor: the draft and the returned request (with its reason); no report yet.
    await expect
      .poll(() => texts(doc.page, 'drafts'), T)
      .toEqual([expect.stringContaining('草稿患者李秀英')]);
    const ret = await texts(doc.page, 'returned');
    expect(ret).toEqual([expect.stringContaining('退回患者王桂兰')]);
    expect(ret[0]).toContain('请补充心电图');
    expect(await doc.page.locator('[data-testid=worklist-returned] h2').textContent()).toContain(
      '退回补充资料',
    );
    expect(await doc.page.locator('[data-testid=worklist-toAcknowledge]').textContent()).toContain(
      '没有待确认的报告',
    );
    expect(await doc.page.locator('[data-testid=worklist-triage]').count()).toBe(0);
    await rows(doc.page, 'returned').locator('a').first().click();
    await expect.poll(() => doc.page.url(), T).toContain(`/consultations/${returned}`);
    await doc.page.goto(`${app.url}/`);

    // Specialist: the breached emergency in the queue, the accepted case as theirs, no round today.
    await expect
      .poll(() => texts(spec.page, 'triage'), T)
      .toEqual([expect.stringContaining('急诊患者赵淑珍')]);
    expect(await rows(spec.page, 'triage').first().getAttribute('data-id')).toBe(emergency);
    const first = rows(spec.page, 'triage').first();
    expect(await first.getAttribute('data-breached')).toBe('true');
    expect(await first.locator('[data-testid=sla-clock]').textContent()).toContain('已超时');
    // Theirs: the case they accepted, and the one they sent back (it waits on the county, with its state shown).
    const mine = await texts(spec.page, 'mine');
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.stringContaining('已接诊患者刘凤英'),
        expect.stringContaining('退回补充资料'),
      ]),
    );
    expect(mine.join()).not.toContain('急诊患者赵淑珍');
    expect(await spec.page.locator('[data-testid=worklist-roundsToday]').textContent()).toContain(
      '今天没有查房',
    );
    expect(await spec.page.locator('[data-testid=worklist-drafts]').count()).toBe(0);
    // Kept as CI artefacts: what each role's home looks like.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await doc.page.screenshot({ path: path.join(ARTIFACTS, 'home-county-doctor.png'), fullPage: true });
    await spec.page.screenshot({ path: path.join(ARTIFACTS, 'home-specialist.png'), fullPage: true });

    // The county resubmits (from another tab): the specialist's queue gains it without a reload; then the
    // specialist sends the emergency back and the county's home shows it without a reload. (The actor's own
    // tabs hear nothing: their change is theirs.)
    const resubmit = await apiCall(app.url, county, 'POST', `/api/consultations/${returned}/transitions`, {
      to: 'submitted',
    });
    expect(resubmit.status).toBe(200);
    await expect
      .poll(
        () => rows(spec.page, 'triage').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))),
        T,
      )
      .toEqual([emergency, returned]);
    expect(
      await spec.page.locator('[data-testid=worklist-triage] [data-testid=worklist-count]').textContent(),
    ).toBe('2');
    expect((await move(emergency, { to: 'returned_for_information', reason: '请补充血气分析' })).status).toBe(
      200,
    );
    await expect
      .poll(
        () => rows(doc.page, 'returned').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))),
        T,
      )
      .toEqual([emergency]);
    expect((await texts(doc.page, 'returned'))[0]).toContain('请补充血气分析');
  });
});
