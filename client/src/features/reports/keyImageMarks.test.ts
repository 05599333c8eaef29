import { describe, expect, it } from 'vitest';
import type { Annotation, SeriesSummary } from '@consult/shared';
import { imageInstances, marksOn, renderedUrl, shapeOf } from './keyImageMarks';

const mark = (over: Partial<Annotation>): Annotation => ({
  id: '00000000-0000-4000-8000-0000000000f1',
  studyId: '00000000-0000-4000-8000-0000000000a1',
  seriesInstanceUid: '1.2.3',
  sopInstanceUid: '1.2.3.7',
  frame: 0,
  tool: 'Length',
  points: [
    [20, 64],
    [100, 64],
  ],
  text: null,
  measurements: [{ kind: 'length', value: 62.5, unit: 'mm' }],
  authorId: '00000000-0000-4000-8000-0000000000b1',
  authorName: 'Prof. Chen',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('key image marks', () => {
  it('finds the marks of a 1-based key image frame among 0-based annotation frames', () => {
    const a = [
      mark({ id: 'a', frame: 0 }),
      mark({ id: 'b', frame: 2 }),
      mark({ id: 'c', frame: 2, sopInstanceUid: '1.2.3.8' }),
    ];
    expect(marksOn(a, '1.2.3.7', 1).map((m) => m.id)).toEqual(['a']);
    expect(marksOn(a, '1.2.3.7', 3).map((m) => m.id)).toEqual(['b']);
    expect(marksOn(a, '1.2.3.7', 2)).toEqual([]);
  });

  it('outlines marks in image pixels', () => {
    expect(shapeOf(mark({}))).toEqual({
      kind: 'polyline',
      points: [
        { x: 20, y: 64 },
        { x: 100, y: 64 },
      ],
      closed: false,
    });
    expect(
      shapeOf(
        mark({
          tool: 'EllipticalRoi',
          points: [
            [0, 0],
            [10, 20],
          ],
        }),
      ),
    ).toEqual({ kind: 'ellipse', cx: 5, cy: 10, rx: 5, ry: 10 });
    expect(
      shapeOf(
        mark({
          tool: 'ArrowAnnotate',
          points: [
            [1, 2],
            [9, 9],
          ],
        }),
      ),
    ).toEqual({ kind: 'arrow', from: { x: 9, y: 9 }, to: { x: 1, y: 2 } });
    expect(shapeOf(mark({ points: [] }))).toBeNull();
  });

  it('lists a series’ images in instance-number order, without documents', () => {
    const inst = (sop: string, instanceNumber: number | null, frames = 1) => ({
      sopInstanceUid: sop,
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      instanceNumber,
      frames,
      rows: 64,
      columns: 64,
    });
    const series: SeriesSummary = {
      seriesInstanceUid: '1.2.3',
      modality: 'CT',
      seriesNumber: 1,
      description: '',
      instances: [inst('1.10', 10), inst('1.2', 2), inst('1.sr', null, 0), inst('1.9', null)],
    };
    expect(imageInstances(series).map((i) => i.sopInstanceUid)).toEqual(['1.2', '1.10', '1.9']);
    expect(renderedUrl('1.2', '1.2.3', '1.2.3.4', 7)).toBe(
      '/dicomweb/studies/1.2/series/1.2.3/instances/1.2.3.4/frames/7/rendered',
    );
  });
});
