/**
 * Key images in the printed report: a real CT slice uploaded through STOW-RS, a length drawn on it through the
 * imaging API, the report signed with it as a key image; the PDF carries the picture (pdfimages lists it) and the
 * measurement (pdftotext reads it).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  markLabel,
  type AnnotationTool,
  type ImagePoint,
  type Measurement,
  type Report,
} from '@consult/shared';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { CT_SERIES, stowAs } from '../imaging/testkit';
import { makeConsultation, pdfImages, pdfText, sampleContent } from './fixtures.test-helper';
import { markOf } from './key-image-pictures';

describe('key images in the report PDF', () => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let reportId: string;
  let printedLength: string;

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
        points: [
          [20, 64],
          [100, 64],
        ],
      },
    });
    expect(mark.statusCode, mark.body).toBe(201);
    printedLength = markLabel(mark.json(), 'zh-CN');
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
    expect(printedLength).toMatch(/^\d+\.\d mm$/);
    expect(text).toContain(`1. ${printedLength}`);
  });

  it('turns each annotation tool into a drawable mark labelled by the model formatter', () => {
    const mark = (
      tool: AnnotationTool,
      points: ImagePoint[],
      measurements: Measurement[] = [],
      text = '',
    ) => ({
      tool,
      points,
      measurements,
      text: text || null,
    });
    expect(
      markOf(
        mark(
          'Length',
          [
            [0, 0],
            [3, 4],
          ],
          [{ kind: 'length', value: 5, unit: 'mm' }],
        ),
        'en',
      ),
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
        mark(
          'Angle',
          [
            [0, 0],
            [1, 1],
            [2, 0],
          ],
          [{ kind: 'angle', value: 124.82, unit: 'deg' }],
        ),
        'zh-CN',
      )?.label,
    ).toBe('124.8°');
    const stats: Measurement[] = [
      { kind: 'area', value: 25, unit: 'mm2' },
      { kind: 'mean', value: 40, unit: 'HU' },
      { kind: 'sd', value: 3, unit: 'HU' },
    ];
    expect(
      markOf(
        mark(
          'RectangleRoi',
          [
            [0, 0],
            [10, 10],
          ],
          stats,
        ),
        'en',
      ),
    ).toMatchObject({
      shape: 'polygon',
      label: 'Area 25.0 mm² · Mean 40.0 HU · SD 3.0 HU',
    });
    expect(
      markOf(
        mark(
          'RectangleRoi',
          [
            [0, 0],
            [10, 10],
          ],
          stats,
        ),
        'zh-CN',
      )?.label,
    ).toBe('面积 25.0 mm² · 均值 40.0 HU · 标准差 3.0 HU');
    expect(
      markOf(
        mark('EllipticalRoi', [
          [0, 0],
          [10, 4],
        ]),
        'en',
      )?.shape,
    ).toBe('ellipse');
    expect(
      markOf(
        mark(
          'ArrowAnnotate',
          [
            [5, 5],
            [20, 20],
          ],
          [],
          '结节',
        ),
        'zh-CN',
      ),
    ).toEqual({
      shape: 'arrow',
      points: [
        { x: 20, y: 20 },
        { x: 5, y: 5 },
      ],
      label: '结节',
    });
    // A migrated row whose old geometry could not be read draws nothing.
    expect(markOf(mark('Length', []), 'en')).toBeNull();
  });
});
