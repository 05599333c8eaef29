/**
 * A specialist enrols a personal signing key in the browser (zh-CN), signs a report with the signing PIN (a wrong
 * PIN is refused by name first), the verification view shows the signer's certificate, and the PDF the county
 * downloads is signed by that certificate (poppler's pdfsig: valid, the doctor's name).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

const PIN = '2468-1357';

describe('personal signing key in a real browser', () => {
  it('enrols a key in zh-CN, signs a report with the PIN, verification names the certificate', async () => {
    // Scene through the API: a consultation from Lankao accepted by Prof. Chen, with a drafted report.
    const county = await apiLogin(app.url, 'lankao.doctor');
    const cardio = await apiLogin(app.url, 'pku.cardio');
    const call = async (who: typeof county, method: string, url: string, body?: unknown) => {
      const r = await apiCall(app.url, who, method, url, body);
      if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    const hospitals = (await call(county, 'GET', '/api/hospitals')) as { id: string; nameEn: string }[];
    const pku = hospitals.find((h) => h.nameEn.startsWith('Peking'))!.id;
    const patient = await call(county, 'POST', '/api/patients', {
      name: '测试患者 赵某',
      sex: 'male',
      birthDate: '1961-07-12',
      povertyRegistered: false,
    });
    const withCase = await call(county, 'POST', `/api/patients/${patient.id}/cases`, {
      diagnosis: '胸痛待查',
      icd10: 'R07.4',
    });
    const caseId = (withCase.cases as { id: string; icd10: string }[]).find((c) => c.icd10 === 'R07.4')!.id;
    const c = await call(county, 'POST', '/api/consultations', {
      patientId: patient.id,
      caseId,
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion: '胸痛，是否需要转诊？',
      targetHospitalId: pku,
    });
    await call(cardio, 'POST', `/api/consultations/${c.id}/transitions`, {
      to: 'triaged',
      assigneeId: cardio.id,
    });
    await call(cardio, 'POST', `/api/consultations/${c.id}/transitions`, { to: 'accepted' });
    await call(cardio, 'POST', `/api/consultations/${c.id}/transitions`, { to: 'in_progress' });
    const report = await call(cardio, 'POST', `/api/consultations/${c.id}/report`);
    await call(cardio, 'PUT', `/api/reports/${report.id}/draft`, {
      baseRevision: 0,
      content: { ...report.draft.content, impression: '急性前壁心肌梗死，建议尽快转诊。' },
    });

    // Enrol in the browser: Security → Signing key.
    const sp = await newPage(browser, { locale: 'zh-CN' });
    await login(sp.page, app.url, 'pku.cardio');
    await sp.page.goto(`${app.url}/security`);
    await expect
      .poll(() => sp.page.locator('[data-testid=signing-key-none]').count(), { timeout: 20_000 })
      .toBe(1);
    await sp.page.getByRole('button', { name: '生成密钥（内部 CA 签发证书）' }).click();
    await sp.page.getByLabel('签名 PIN', { exact: true }).fill(PIN);
    await sp.page.getByLabel('再次输入签名 PIN').fill(PIN);
    await sp.page.getByRole('button', { name: '生成并注册' }).click();
    await expect
      .poll(() => sp.page.locator('[data-testid=signing-cert-subject]').textContent(), { timeout: 30_000 })
      .toContain('陈教授');
    expect(await sp.page.locator('[data-testid=signing-cert]').textContent()).toContain(
      'Consult internal signer CA',
    );

    // Sign: the dialog asks for the PIN; a wrong one is refused in Chinese, the right one signs.
    await sp.page.goto(`${app.url}/consultations/${c.id}/report`);
    await sp.page.getByRole('button', { name: '签署报告' }).click();
    const pin = sp.page.locator('input[name=sign-pin]');
    await expect.poll(() => pin.count(), { timeout: 20_000 }).toBe(1);
    expect(await sp.page.getByRole('dialog').textContent()).toContain('请输入签名 PIN');
    await pin.fill('0000-0000');
    await sp.page.getByRole('button', { name: '确认签署' }).click();
    await expect
      .poll(() => sp.page.getByRole('dialog').getByRole('alert').textContent(), { timeout: 20_000 })
      .toContain('签名 PIN 不正确');
    await pin.fill(PIN);
    await sp.page.getByRole('button', { name: '确认签署' }).click();
    await expect
      .poll(() => sp.page.locator('.report-status').textContent(), { timeout: 20_000 })
      .toBe('已签署');

    // Verification shows the signer's certificate.
    await sp.page.getByRole('button', { name: '验证签名' }).click();
    await expect
      .poll(() => sp.page.locator('[data-testid=verify-result]').textContent(), { timeout: 20_000 })
      .toContain('签名验证通过');
    const signer = await sp.page.locator('[data-testid=verify-signer]').textContent();
    expect(signer).toContain('陈教授');
    expect(signer).toContain('算法：ECDSA P-256 with SHA-256');
    expect(signer).toContain('颁发者：O=Consult platform, CN=Consult internal signer CA (p256)');
    await sp.context.close();

    // The county doctor downloads the PDF: a PDF reader finds it signed by Prof. Chen's own certificate.
    const cp = await newPage(browser, { locale: 'zh-CN' });
    await login(cp.page, app.url, 'lankao.doctor');
    const res = await cp.page.request.get(`${app.url}/api/reports/${report.id}/pdf?lang=zh-CN`);
    expect(res.status()).toBe(200);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'signed-pdf-')), 'report.pdf');
    fs.writeFileSync(file, await res.body());
    const pdfsig = execFileSync('pdfsig', [file], { encoding: 'utf8' });
    expect(pdfsig).toContain('Signature Validation: Signature is Valid.');
    expect(pdfsig).toMatch(/Signer Certificate Common Name: .*陈教授/);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    await cp.context.close();
  });
});
