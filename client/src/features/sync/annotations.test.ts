import { describe, expect, it } from 'vitest';
import { authorColor, type SyncAnnotation } from '@consult/shared';
import { fromWire, toWire } from './annotations';

const author = '00000000-0000-4000-8000-0000000000a2';
const mark = (over: Partial<SyncAnnotation>): SyncAnnotation => ({
  id: '00000000-0000-4000-8000-0000000000f1',
  target: { studyUid: '1.2.3', seriesUid: '1.2.3.1', sopInstanceUid: '1.2.3.1.7', frame: 0, imageIndex: 6 },
  tool: 'Length',
  data: {
    points: [
      [10, 20],
      [60, 80],
    ],
  },
  authorId: author,
  authorName: 'Dr. Zhou',
  color: authorColor(author),
  storeId: null,
  version: 3,
  ...over,
});

describe('shared marks ↔ viewer tool state', () => {
  it('places a length with its handles, author colour and version, and reads the same points back', () => {
    const d = fromWire(mark({}));
    expect(d).toMatchObject({
      uuid: mark({}).id,
      color: authorColor(author),
      _sync: { version: 3, authorId: author },
      invalidated: true,
    });
    expect(d.handles).toMatchObject({ start: { x: 10, y: 20 }, end: { x: 60, y: 80 } });
    const shown = [{ kind: 'length' as const, value: 42.5, unit: 'mm' as const }];
    expect(toWire('Length', { ...d, measurements: shown })).toEqual({
      points: mark({}).data.points,
      measurements: shown,
    });
  });

  it('keeps the middle handle of an angle, the text of an arrow and every point of a freehand outline', () => {
    const angle = fromWire(
      mark({
        tool: 'Angle',
        data: {
          points: [
            [0, 0],
            [5, 5],
            [10, 0],
          ],
        },
      }),
    );
    expect(toWire('Angle', angle).points).toEqual([
      [0, 0],
      [5, 5],
      [10, 0],
    ]);
    const arrow = fromWire(
      mark({
        tool: 'ArrowAnnotate',
        data: {
          points: [
            [1, 1],
            [9, 9],
          ],
          text: '结节 nodule',
        },
      }),
    );
    expect(toWire('ArrowAnnotate', arrow).text).toBe('结节 nodule');
    const outline: [number, number][] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ];
    const free = fromWire(mark({ tool: 'FreehandRoi', data: { points: outline } }));
    expect(toWire('FreehandRoi', free).points).toEqual(outline);
  });

  it('sends geometry only: the stats cornerstone keeps and local flags never go out', () => {
    const wire = toWire('EllipticalRoi', {
      handles: { start: { x: 1, y: 2 }, end: { x: 3, y: 4 } },
      cachedStats: { area: 12.5, mean: -650, unit: 'HU', bogus: Number.NaN },
      active: true,
    });
    expect(wire).toEqual({
      points: [
        [1, 2],
        [3, 4],
      ],
    });
  });
});
