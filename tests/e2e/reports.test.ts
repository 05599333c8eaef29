import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  DEMO_PASSWORD,
  login,
  newPage,
  screenshotsOnFailure,
  type AppProcess,
  withAppAndBrowser,
} from './harness';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;

/** A signed-in API client (cookie + CSRF) for setting the scene through the public API. */
async function apiAs(username: string) {
  const res = await fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const me = (await res.json()) as { id: string; csrfToken: string; hospital: { id: string } | null };
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${app.url}${url}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': me.csrfToken,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return { me, call };
}

withAppAndBrowser((a, b) => ([app, browser] = [a, b]));

describe('remote diagnosis report in a real browser', () => {
  it('specialist writes and signs in zh-CN; the county doctor sees it live, acknowledges, downloads PDF and FHIR', async () => {
    // Scene: a consultation from Lankao to PKU First Hospital, accepted and in progress with Prof. Chen.
    const county = await apiAs('lankao.doctor');
    const cardio = await apiAs('pku.cardio');
    const hospitals = await county.call<{ id: string; nameEn: string }[]>('GET', '/api/hospitals');
    const pku = hospitals.find((h) => h.nameEn.startsWith('Peking'))!.id;
    const patient = await county.call<{ id: string }>('POST', '/api/patients', {
      name: '测试患者 李某',
      sex: 'female',
      birthDate: '1958-03-02',
      povertyRegistered: true,
    });
    const withCase = await county.call<{ cases: { id: string; icd10: string }[] }>(
      'POST',
      `/api/patients/${patient.id}/cases`,
      { diagnosis: '胸痛待查', icd10: 'R07.4' },
    );
    const caseId = withCase.cases.find((c) => c.icd10 === 'R07.4')!.id;
    const c = await county.call<{ id: string }>('POST', '/api/consultations', {
      patientId: patient.id,
      caseId,
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion: '胸痛三小时，心电图 ST 段抬高，是否需要转诊？',
      targetHospitalId: pku,
    });
    await cardio.call('POST', `/api/consultations/${c.id}/transitions`, {
      to: 'triaged',
      assigneeId: cardio.me.id,
    });
    await cardio.call('POST', `/api/consultations/${c.id}/transitions`, { to: 'accepted' });
    await cardio.call('POST', `/api/consultations/${c.id}/transitions`, { to: 'in_progress' });
    const reportUrl = `${app.url}/consultations/${c.id}/report`;

    // The county doctor opens the report from the consultation page first: nothing signed yet.
    const cd = await newPage(browser, { locale: 'zh-CN' });
    await login(cd.page, app.url, 'lankao.doctor');
    await cd.page.goto(`${app.url}/consultations/${c.id}`);
    await cd.page.locator('[data-testid=open-report]').click();
    await expect.poll(() => cd.page.url()).toBe(reportUrl);
    await expect.poll(() => cd.page.locator('.report-none').count(), { timeout: 20_000 }).toBe(1);

    // The specialist writes the report (autosaved) and signs it with the password.
    const sp = await newPage(browser, { locale: 'zh-CN' });
    await login(sp.page, app.url, 'pku.cardio');
    await sp.page.goto(reportUrl);
    await sp.page.getByRole('button', { name: '开始撰写报告' }).click();
    await sp.page.locator('textarea[name=findings]').fill('心电图示 V1–V4 导联 ST 段抬高，肌钙蛋白升高。');
    await sp.page.locator('textarea[name=impression]').fill('急性前壁心肌梗死，建议尽快再灌注治疗。');
    await sp.page.getByLabel('搜索 ICD-10 编码或名称').fill('I21');
    await sp.page.getByRole('option').filter({ hasText: 'I21.0' }).getByRole('button').click();
    await sp.page.locator('textarea[name=treatmentPlan]').fill('阿司匹林 300mg 嚼服；尽快转诊行急诊 PCI。');
    await sp.page.locator('input[name=followUpIntervalDays]').fill('30');
    await expect
      .poll(() => sp.page.locator('.autosave').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('saved');
    // A second window of the same draft saves first; the first window's next autosave gets a conflict, not an overwrite.
    const sp2 = await newPage(browser, { locale: 'zh-CN' });
    await login(sp2.page, app.url, 'pku.cardio');
    await sp2.page.goto(reportUrl);
    await sp2.page
      .locator('textarea[name=findings]')
      .fill('心电图示 V1–V4 导联 ST 段抬高，肌钙蛋白 I 2.3 ng/mL。');
    await expect
      .poll(() => sp2.page.locator('.autosave').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('saved');
    await sp.page
      .locator('textarea[name=impression]')
      .fill('急性前壁心肌梗死，建议尽快再灌注治疗（旧窗口）。');
    await expect
      .poll(() => sp.page.locator('.autosave-conflict').textContent(), { timeout: 20_000 })
      .toContain('保存冲突');
    expect(await sp.page.locator('.autosave-conflict').textContent()).toMatch(
      /陈教授 Prof\. Chen 于 .+ 修改了草稿/,
    );
    await sp2.context.close();
    await sp.page.getByRole('button', { name: '重新加载草稿（放弃我的修改）' }).click();
    await expect
      .poll(() => sp.page.locator('textarea[name=findings]').inputValue(), { timeout: 20_000 })
      .toContain('2.3 ng/mL');
    expect(await sp.page.locator('textarea[name=impression]').inputValue()).toBe(
      '急性前壁心肌梗死，建议尽快再灌注治疗。',
    );
    await sp.page.getByRole('button', { name: '签署报告' }).click();
    await sp.page.locator('input[name=sign-password]').fill(DEMO_PASSWORD);
    await sp.page.getByRole('button', { name: '确认签署' }).click();
    await expect
      .poll(() => sp.page.locator('.report-status').textContent(), { timeout: 20_000 })
      .toBe('已签署');

    // Live on the county doctor's page, without a reload.
    await expect
      .poll(() => cd.page.locator('.report-view').textContent(), { timeout: 20_000 })
      .toContain('前壁急性透壁性心肌梗死');
    expect(await cd.page.locator('.report-view').textContent()).toContain('肌钙蛋白 I 2.3 ng/mL');
    await cd.page.getByRole('button', { name: '确认已阅并纳入诊疗方案' }).click();
    await expect
      .poll(() => cd.page.locator('.report-status').textContent(), { timeout: 20_000 })
      .toBe('已确认');
    await expect.poll(() => cd.page.locator('.report-acknowledged').textContent()).toContain('下次随访');

    // Downloads: the PDF's text holds the Chinese diagnosis; the FHIR bundle carries the ICD-10 code.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-dl-'));
    const [pdfDl] = await Promise.all([
      cd.page.waitForEvent('download'),
      cd.page.getByRole('link', { name: '下载 PDF' }).click(),
    ]);
    const pdfPath = path.join(dir, 'report.pdf');
    await pdfDl.saveAs(pdfPath);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
    expect(text).toContain('前壁急性透壁性心肌梗死');
    expect(text).toContain('兰考县人民医院');
    expect(text).toContain('北京大学第一医院');
    const [fhirDl] = await Promise.all([
      cd.page.waitForEvent('download'),
      cd.page.getByRole('link', { name: '下载 FHIR (R4)' }).click(),
    ]);
    const fhirPath = path.join(dir, 'report.json');
    await fhirDl.saveAs(fhirPath);
    const bundle = JSON.parse(fs.readFileSync(fhirPath, 'utf8')) as {
      resourceType: string;
      entry: { resource: { resourceType: string; conclusionCode?: { coding: { code: string }[] }[] } }[];
    };
    expect(bundle.resourceType).toBe('Bundle');
    const dr = bundle.entry.find((e) => e.resource.resourceType === 'DiagnosticReport')!.resource;
    expect(dr.conclusionCode?.[0]?.coding[0]?.code).toBe('I21.0');
    fs.rmSync(dir, { recursive: true, force: true });

    // The consultation completed; the case carries the plan.
    const detail = await county.call<{ state: string }>('GET', `/api/consultations/${c.id}`);
    expect(detail.state).toBe('completed');
    await sp.context.close();
    await cd.context.close();
  });

  it('the program administrator sees the figures (charts, tables) and exports CSV', async () => {
    const { page, context } = await newPage(browser, { locale: 'zh-CN' });
    await login(page, app.url, 'program');
    await page.getByRole('link', { name: '项目看板' }).click();
    await expect
      .poll(() => page.locator('[data-metric=consultations] .dash-kpi-value').textContent(), {
        timeout: 20_000,
      })
      .toBe('1');
    expect(await page.locator('[data-metric=reportsAcknowledged] .dash-kpi-value').textContent()).toBe('1');
    expect(await page.locator('[data-metric=povertyPatientsServed] .dash-kpi-value').textContent()).toBe('1');
    expect(await page.locator('.chart-box canvas').count()).toBe(3);
    expect(await page.locator('.dashboard-page').textContent()).toContain('兰考县人民医院');
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出 CSV' }).click(),
    ]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dash-')), 'd.csv');
    await dl.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    // Headed in the program administrator's language (zh-CN).
    expect(csv.split('\r\n')[1]).toMatch(/^"合计",.*"1"/);
    expect(csv).toContain('"兰考县人民医院"');
    await context.close();
  });
});
