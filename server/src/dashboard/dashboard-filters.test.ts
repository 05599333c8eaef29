import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../testing/harness';
import {
  ALL_COUNTIES,
  expected,
  openDashboardFixture,
  poorCounty,
  PROGRAM_A,
  PROGRAM_A_COUNTIES,
  type DashboardFixture,
} from './fixtures.test-helper';

/** Narrowing the dashboard (program, pairing, county), its CSV export, and who may read it. */
describe.each(DIALECTS)('program dashboard filters and export (%s)', (dialect) => {
  let f: DashboardFixture;
  beforeAll(async () => {
    f = await openDashboardFixture(dialect);
  }, 120_000);
  afterAll(async () => f?.t.close());

  it('filters by program, pairing and county hospital', async () => {
    const { g, get, countyIds, pairingIds } = f;
    expect((await get(`&programName=${encodeURIComponent(PROGRAM_A)}`)).totals).toEqual(
      expected(g, PROGRAM_A_COUNTIES, poorCounty),
    );
    expect((await get(`&pairingId=${pairingIds[7]}`)).totals).toEqual(expected(g, new Set([7]), poorCounty));
    const one = await get(`&countyHospitalId=${countyIds[16]}`);
    expect(one.totals).toEqual(expected(g, new Set([16]), poorCounty));
    expect(one.counties).toHaveLength(1);
  });

  it('exports CSV with a BOM and Chinese names; only program/system admins may read it', async () => {
    const { t, admin, g } = f;
    const res = await t.as(admin, { method: 'GET', url: '/api/dashboard.csv?from=2025-01-01&to=2025-12-31' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    // Headed in the user's language (zh-CN by default) …
    expect(lines[0]).toContain('"出报告中位时长（小时）"');
    expect(lines[0]).not.toMatch(/[A-Za-z]{3,}/);
    const total = expected(g, ALL_COUNTIES, poorCounty);
    expect(lines[1]).toBe(
      `"合计","","","","2025-01-01","2025-12-31",${Object.values(total)
        .map((v) => `"${v ?? ''}"`)
        .join(',')}`,
    );
    expect(lines.some((l) => l.includes('"测试县1人民医院"'))).toBe(true);
    // … and in English once the user switched.
    await t.as(admin, { method: 'PUT', url: '/api/auth/me/locale', payload: { locale: 'en' } });
    const en = await t.as(admin, { method: 'GET', url: '/api/dashboard.csv?from=2025-01-01&to=2025-12-31' });
    const enLines = en.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(enLines[0]).toContain('"Median hours to report"');
    expect(enLines[1]!.startsWith('"Total",')).toBe(true);
    expect(enLines.some((l) => /[\u4e00-\u9fff]/.test(l.split(',')[3] ?? ''))).toBe(false);
    await t.as(admin, { method: 'PUT', url: '/api/auth/me/locale', payload: { locale: 'zh-CN' } });
    const doctor = await t.login('lankao.doctor');
    expect(
      (await t.as(doctor, { method: 'GET', url: '/api/dashboard?from=2025-01-01&to=2025-12-31' })).statusCode,
    ).toBe(403);
    expect(
      (await t.as(admin, { method: 'GET', url: '/api/dashboard?from=2025-12-31&to=2025-01-01' })).statusCode,
    ).toBe(400);
  });
});
