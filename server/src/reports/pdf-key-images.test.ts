/**
 * Key images in the printed report: a real CT slice uploaded through STOW-RS, a length drawn on it through the
 * imaging API, the report signed with it as a key image; the PDF carries the picture (pdfimages lists it) and the
 * measurement (pdftotext reads it).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@consult/shared';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { CT_SERIES, stowAs } from '../imaging/testkit';
import { makeConsultation, pdfImages, pdfText, sampleContent } from './fixtures.test-helper';
import { markOf, STAT_WORDS } from './key-image-pictures';

describe('key images in the report PDF', () => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let reportId: string;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
    const { consultationId } = await makeConsultation(t.db);
    const slice = CT_SERIES().find((f) => f.path.endsWith('slice_7.dcm'))!;
    const stow = await stowAs(t, county, [fs.readFileSync(slice.abs)]);
    expect(stow.statusCode).toBe(200);
    const [study] = (await t.as(county, { method: 'GET', url: '/api/imaging/studies' })).json();
    const detail = (await t.as(county, { method: 'GET', url: `/api/imaging/studies/${study.id}` })).json();
    const sop = detail.series[0].instances[0].sopInstanceUid as string;
    await t.db
      .insertInto('consultation_studies')
      .values({
        consultation_id: consultationId,
        study_instance_uid: study.studyInstanceUid,
        linked_by: county.userId,
      })
      .execute();
    const mark = await t.as(cardio, {
      method: 'POST',
      url: `/api/imaging/studies/${study.id}/annotations`,
      payload: {
        sopInstanceUid: sop,
        frame: 0,
        tool: 'Length',
        data: { handles: { start: { x: 20, y: 64 }, end: { x: 100, y: 64 } }, length: 62.5, unit: 'mm' },
      },
    });
    expect(mark.statusCode, mark.body).toBe(201);
    reportId = (
      (
        await t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
      ).json() as Report
    ).id;
    const put = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${reportId}/draft`,
      payload: {
        content: {
          ...sampleContent(),
          keyImages: [
            {
              studyInstanceUid: study.studyInstanceUid,
              sopInstanceUid: sop,
              frame: 1,
              annotationIds: [mark.json().id],
              caption: '右肺下叶结节',
            },
          ],
        },
        baseRevision: 0,
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const signed = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(signed.statusCode, signed.body).toBe(200);
  });
  afterAll(async () => t?.close());

  it('prints the key image as a picture with its numbered measurement', async () => {
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf` });
    expect(res.statusCode).toBe(200);
    const images = pdfImages(res.rawPayload);
    expect(images).toHaveLength(1);
    expect(images[0]!.slice(3, 5)).toEqual(['128', '128']);
    const text = pdfText(res.rawPayload);
    expect(text).toContain('右肺下叶结节');
    expect(text).toContain('1. 62.5 mm');
  });

  it('turns each annotation tool into a drawable mark with its measurements', () => {
    const h = (o: object) => ({ handles: o });
    expect(
      markOf('Length', { ...h({ start: { x: 0, y: 0 }, end: { x: 3, y: 4 } }), length: 5 }, 'CT'),
    ).toEqual({
      shape: 'line',
      points: [
        { x: 0, y: 0 },
        { x: 3, y: 4 },
      ],
      label: '5.0 mm',
    });
    expect(
      markOf(
        'Angle',
        { ...h({ start: { x: 0, y: 0 }, middle: { x: 1, y: 1 }, end: { x: 2, y: 0 } }), rAngle: 90 },
        'CT',
      )?.label,
    ).toBe('90.0°');
    expect(
      markOf(
        'RectangleRoi',
        {
          ...h({ start: { x: 0, y: 0 }, end: { x: 10, y: 10 } }),
          cachedStats: { area: 25, mean: 40, stdDev: 3 },
        },
        'CT',
      ),
    ).toMatchObject({ shape: 'polygon', label: '25.0 mm² · mean 40.0 HU · SD 3.0 HU' });
    // Printed in Chinese, the region's statistics are named in Chinese.
    expect(
      markOf(
        'RectangleRoi',
        {
          ...h({ start: { x: 0, y: 0 }, end: { x: 10, y: 10 } }),
          cachedStats: { area: 25, mean: 40, stdDev: 3 },
        },
        'CT',
        STAT_WORDS['zh-CN'],
      )?.label,
    ).toBe('25.0 mm² · 均值 40.0 HU · 标准差 3.0 HU');
    expect(markOf('EllipticalRoi', h({ start: { x: 0, y: 0 }, end: { x: 10, y: 4 } }), 'MR')?.shape).toBe(
      'ellipse',
    );
    expect(
      markOf('ArrowAnnotate', { ...h({ start: { x: 5, y: 5 }, end: { x: 20, y: 20 } }), text: '结节' }, 'CT'),
    ).toEqual({
      shape: 'arrow',
      points: [
        { x: 20, y: 20 },
        { x: 5, y: 5 },
      ],
      label: '结节',
    });
    // Data without usable handles draws nothing (it is opaque to the server and may come from another tool version).
    expect(markOf('Length', { handles: { start: 'x' } }, 'CT')).toBeNull();
  });
});
