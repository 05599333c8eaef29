/**
 * The annotation-model migration over rows in the two old shapes — the viewer's cornerstone-tools data and a
 * round's mark — plus unreadable data: geometry and text carry over, and each migrated row is measured from the
 * stored pixels at first read exactly as a new mark with the same points is (cornerstone's old values, some of
 * them wrong, are not kept), so the SR export and the report see them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Annotation } from '@consult/shared';
import * as model from '../db/migrations/2026_12_03_1100_annotation_model';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { CORPUS, stowAs } from './testkit';

const xy = (x: number, y: number) => ({ x, y, highlight: true, active: false });

/** tool, old data, the points it must become, its text */
const OLD: [string, Record<string, unknown>, [number, number][], string | null][] = [
  [
    'Length',
    { handles: { start: xy(10, 20), end: xy(90, 70), textBox: {} }, length: 62.5, unit: 'mm', uuid: 'u1' },
    [
      [10, 20],
      [90, 70],
    ],
    null,
  ],
  [
    // the angle the old PDF printed as 0.0°: cornerstone's value is not carried, the points are
    'Angle',
    { handles: { start: xy(20, 20), middle: xy(60, 80), end: xy(100, 30) }, rAngle: 124.82 },
    [
      [20, 20],
      [60, 80],
      [100, 30],
    ],
    null,
  ],
  [
    'EllipticalRoi',
    {
      handles: { start: xy(30, 30), end: xy(90, 70), initialRotation: 0 },
      cachedStats: { area: 1, mean: 2, stdDev: 3 },
    },
    [
      [30, 30],
      [90, 70],
    ],
    null,
  ],
  ['Probe', { handles: { end: xy(64, 64) }, cachedStats: { mo: 5 } }, [[64, 64]], null],
  [
    'FreehandRoi',
    { handles: { points: [xy(10, 10), xy(60, 10), xy(40, 50)] }, area: 9 },
    [
      [10, 10],
      [60, 10],
      [40, 50],
    ],
    null,
  ],
  [
    'ArrowAnnotate',
    { handles: { start: xy(40, 40), end: xy(80, 90) }, text: ' 结节 ' },
    [
      [40, 40],
      [80, 90],
    ],
    '结节',
  ],
  // a round's mark (sync shape), with its bookkeeping
  [
    'RectangleRoi',
    {
      points: [
        [20, 25],
        [70, 90],
      ],
      label: 'ROI 1',
      stats: { area: 1 },
      syncId: '00000000-0000-4000-8000-000000000001',
      seriesUid: '1.2',
      imageIndex: 0,
    },
    [
      [20, 25],
      [70, 90],
    ],
    'ROI 1',
  ],
];

describe.each(DIALECTS)('annotation model migration over old-shape rows (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  let studyId: string;
  let sop: string;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    const bytes = fs.readFileSync(path.join(CORPUS, 'deb-pydicom/test_files/CT_small.dcm'));
    expect((await stowAs(t, s, [bytes])).statusCode).toBe(200);
    const study = (await t.as(s, { method: 'GET', url: '/api/imaging/studies' })).json()[0];
    studyId = study.id;
    sop = (await t.as(s, { method: 'GET', url: `/api/imaging/studies/${studyId}` })).json().series[0]
      .instances[0].sopInstanceUid;
  });
  afterAll(async () => t?.close());

  /** The table as the old schema had it (a `data` column). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const old = () => t.db as unknown as Kysely<any>;
  const SOME: Record<string, [number, number][]> = {
    Probe: [[1, 1]],
    Angle: [
      [0, 0],
      [1, 1],
      [2, 0],
    ],
    FreehandRoi: [
      [0, 0],
      [1, 0],
      [0, 1],
    ],
  };
  const create = async (tool: string, points: [number, number][], text?: string) => {
    const r = await t.as(s, {
      method: 'POST',
      url: `/api/imaging/studies/${studyId}/annotations`,
      payload: { sopInstanceUid: sop, frame: 0, tool, points, ...(text ? { text } : {}) },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as Annotation;
  };

  it('converts geometry and text, and measures each migrated row as a new mark with the same points', async () => {
    // Rows as they were: create them, step the schema back, put the old data in, step forward again.
    const ids: string[] = [];
    const two: [number, number][] = [
      [0, 0],
      [1, 1],
    ];
    for (const [tool] of OLD) ids.push((await create(tool, SOME[tool] ?? two)).id);
    const broken = (await create('Length', two)).id;
    await model.down(t.db as never);
    for (const [i, [, data]] of OLD.entries())
      await old()
        .updateTable('imaging_annotations')
        .set({ data: JSON.stringify(data) })
        .where('id', '=', ids[i]!)
        .execute();
    await old()
      .updateTable('imaging_annotations')
      .set({ data: 'not json' })
      .where('id', '=', broken)
      .execute();
    await model.up(t.db as never);
    const pending = await t.db.selectFrom('imaging_annotations').select(['id', 'measurements']).execute();
    expect(pending.every((r) => r.measurements === null)).toBe(true);

    const list = (
      await t.as(s, { method: 'GET', url: `/api/imaging/studies/${studyId}/annotations` })
    ).json() as Annotation[];
    for (const [i, [tool, , points, text]] of OLD.entries()) {
      const got = list.find((a) => a.id === ids[i])!;
      expect(got, tool).toMatchObject({ tool, points, text, version: 1 });
      const fresh = await create(tool, points, text ?? undefined);
      expect(got.measurements, tool).toEqual(fresh.measurements);
    }
    // the old angle value is gone; the new one is measured from the points and PixelSpacing
    const angle = list.find((a) => a.id === ids[1])!.measurements[0]!;
    expect(angle.unit).toBe('deg');
    expect(angle.value).not.toBeCloseTo(124.82, 1);
    // unreadable old data: listed, no geometry, no values
    expect(list.find((a) => a.id === broken)).toMatchObject({ points: [], measurements: [] });
    // measured once, then kept
    const after = await t.db.selectFrom('imaging_annotations').select('measurements').execute();
    expect(after.every((r) => r.measurements !== null)).toBe(true);
    // and the SR export carries them
    const sr = await t.as(s, { method: 'POST', url: `/api/imaging/studies/${studyId}/sr` });
    expect(sr.statusCode, sr.body).toBe(201);
    expect(sr.json().measurements).toBe(list.length + OLD.length);
  });

  it('reads both old shapes the same way (the conversion on its own)', () => {
    for (const [tool, data, points, text] of OLD)
      expect(model.convertOldAnnotation(tool, data), tool).toEqual({ points, text });
    expect(model.convertOldAnnotation('Length', { handles: { start: { x: 'a' } } })).toEqual({
      points: [],
      text: null,
    });
  });
});
