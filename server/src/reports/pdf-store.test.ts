/**
 * A signed version's PDF is rendered once and then served from storage, identical bytes; what it prints changing
 * (acknowledgement) renders it again; a new signed version gets its own PDF while the old version's stays as it
 * was; languages are stored apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { makeConsultation, pdfText, sampleContent } from './fixtures.test-helper';

describe.each(DIALECTS)('stored report PDFs (%s)', (dialect) => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let reportId: string;

  const sign = async () => {
    const s = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(s.statusCode, s.body).toBe(200);
  };
  const download = async (query = '') => {
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return { source: res.headers['x-pdf-source'], pdf: res.rawPayload };
  };

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
    const { consultationId } = await makeConsultation(t.db);
    const r = (
      await t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
    ).json() as Report;
    reportId = r.id;
    const put = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${reportId}/draft`,
      payload: { content: sampleContent(), baseRevision: 0 },
    });
    expect(put.statusCode, put.body).toBe(200);
    await sign();
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  it('renders a signed version once, then serves the same bytes from storage', async () => {
    const first = await download();
    expect(first.source).toBe('rendered');
    const again = await download();
    expect(again.source).toBe('stored');
    expect(Buffer.compare(again.pdf, first.pdf)).toBe(0);
    expect(pdfText(again.pdf)).toContain('北京大学第一医院');
    const en = await download('?lang=en');
    expect(en.source).toBe('rendered');
    expect((await download('?lang=en')).source).toBe('stored');
    expect((await download()).source).toBe('stored');
  });

  it('renders again when what it prints changes (acknowledgement), then stores that', async () => {
    const before = (await download()).pdf;
    expect(
      (await t.as(county, { method: 'POST', url: `/api/reports/${reportId}/acknowledge` })).statusCode,
    ).toBe(200);
    const after = await download();
    expect(after.source).toBe('rendered');
    expect(Buffer.compare(after.pdf, before)).not.toBe(0);
    expect((await download()).source).toBe('stored');
  });

  it('a new signed version has its own PDF; the earlier version keeps its stored one', async () => {
    const v1 = await download('?version=1');
    expect(v1.source).toBe('stored');
    const am = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/amendments`,
      payload: { reason: '补充肌钙蛋白数值' },
    });
    expect(am.statusCode, am.body).toBe(200);
    const draft = (am.json() as Report).draft!;
    const content = { ...draft.content, findings: `${draft.content.findings} 肌钙蛋白 I 2.3 ng/mL。` };
    const saved = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${reportId}/draft`,
      payload: { content, baseRevision: draft.revision },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    await sign();
    const v2 = await download();
    expect(v2.source).toBe('rendered');
    expect(pdfText(v2.pdf)).toContain('2.3 ng/mL');
    // Version 1 prints the report's acknowledgement, which the amendment reset: rendered again once, then stored.
    const v1Again = await download('?version=1');
    expect(pdfText(v1Again.pdf)).not.toContain('2.3 ng/mL');
    const v1Stored = await download('?version=1');
    expect(v1Stored.source).toBe('stored');
    expect(Buffer.compare(v1Stored.pdf, v1Again.pdf)).toBe(0);
    const files = fs.readdirSync(path.join(t.config.dataDir, 'reports', 'pdf', reportId));
    expect(files.map((f) => f.split('-').slice(0, 2).join('-')).sort()).toEqual(['v1-en', 'v1-zh', 'v2-zh']);
  });
});
