import { describe, expect, it } from 'vitest';
import type { SrMark } from '@consult/shared';
import { externalReports, imageIdOfMark, originText, shapeOf, valueText } from './srMarks';

const mark = (over: Partial<SrMark> = {}): SrMark => ({
  srSopInstanceUid: '1.2.3.99',
  sopInstanceUid: '1.2.3.1',
  frame: 0,
  graphicType: 'POLYLINE',
  points: [
    { x: 10, y: 20 },
    { x: 50, y: 60 },
  ],
  label: 'Long Axis',
  values: [{ concept: 'Long Axis', value: 42.5, unit: 'mm' }],
  srAuthor: 'Wang Fang',
  srInstitution: 'County Hospital',
  srDate: '2024-01-01',
  srOwnExport: false,
  ...over,
});
const refs = [
  { imageId: 'wadouri:a', sopInstanceUid: '1.2.3.1', frame: 0 },
  { imageId: 'wadouri:b?frame=0', sopInstanceUid: '1.2.3.2', frame: 0 },
  { imageId: 'wadouri:b?frame=1', sopInstanceUid: '1.2.3.2', frame: 1 },
];
const P = (x: number, y: number) => ({ x, y });

describe('SR marks from other systems: the mapping to what the viewer draws', () => {
  it('maps every SCOORD graphic type to a shape in image pixels', () => {
    expect(shapeOf(mark())).toEqual({ kind: 'polyline', points: [P(10, 20), P(50, 60)], closed: false });
    const square = [P(0, 0), P(4, 0), P(4, 4), P(0, 4), P(0, 0)];
    expect(shapeOf(mark({ points: square }))).toEqual({
      kind: 'polyline',
      points: square.slice(0, 4),
      closed: true,
    });
    expect(shapeOf(mark({ graphicType: 'POINT', points: [P(3, 4)] }))).toEqual({
      kind: 'points',
      points: [P(3, 4)],
    });
    expect(shapeOf(mark({ graphicType: 'MULTIPOINT', points: [P(1, 1), P(2, 2)] }))).toEqual({
      kind: 'points',
      points: [P(1, 1), P(2, 2)],
    });
    expect(shapeOf(mark({ graphicType: 'CIRCLE', points: [P(5, 5), P(8, 9)] }))).toEqual({
      kind: 'circle',
      center: P(5, 5),
      edge: P(8, 9),
    });
    expect(shapeOf(mark({ graphicType: 'ELLIPSE', points: [P(0, 5), P(10, 5), P(5, 3), P(5, 7)] }))).toEqual({
      kind: 'ellipse',
      major: [P(0, 5), P(10, 5)],
      minor: [P(5, 3), P(5, 7)],
    });
  });

  it('draws nothing for an unknown graphic type or too few points', () => {
    expect(shapeOf(mark({ graphicType: 'POLYGON3D' }))).toBeNull();
    expect(shapeOf(mark({ points: [P(1, 1)] }))).toBeNull();
    expect(shapeOf(mark({ graphicType: 'ELLIPSE', points: [P(0, 0), P(1, 1)] }))).toBeNull();
    expect(shapeOf(mark({ graphicType: 'POINT', points: [] }))).toBeNull();
  });

  it('places a mark on the image and frame it refers to, or nowhere', () => {
    expect(imageIdOfMark(mark(), refs)).toBe('wadouri:a');
    expect(imageIdOfMark(mark({ sopInstanceUid: '1.2.3.2', frame: 1 }), refs)).toBe('wadouri:b?frame=1');
    expect(imageIdOfMark(mark({ sopInstanceUid: '1.2.3.2', frame: 5 }), refs)).toBeNull();
    expect(imageIdOfMark(mark({ sopInstanceUid: '9.9' }), refs)).toBeNull();
  });

  it('labels with the values as reported and the author, institution and date', () => {
    expect(valueText(mark())).toBe('Long Axis 42.5 mm');
    expect(valueText(mark({ values: [], label: 'Finding' }))).toBe('Finding');
    expect(valueText(mark({ values: [{ concept: 'Ratio', value: 0.3333333333, unit: '1' }] }))).toBe(
      'Ratio 0.333333',
    );
    expect(originText(mark(), '?')).toBe('Wang Fang · County Hospital · 2024-01-01');
    expect(originText(mark({ srAuthor: null }), '?')).toBe('County Hospital · 2024-01-01');
    expect(originText(mark({ srAuthor: null, srInstitution: null, srDate: null }), 'unknown')).toBe(
      'unknown',
    );
  });

  it("groups by report, leaves out this platform's own exports and undrawable marks", () => {
    const groups = externalReports(
      [
        mark(),
        mark({ sopInstanceUid: '1.2.3.2', frame: 1, graphicType: 'POINT', points: [P(1, 2)] }),
        mark({ srSopInstanceUid: '1.2.3.77', srOwnExport: true }),
        mark({ srSopInstanceUid: '1.2.3.88', graphicType: 'NOPE' }),
      ],
      refs,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      srSopInstanceUid: '1.2.3.99',
      author: 'Wang Fang',
      institution: 'County Hospital',
      date: '2024-01-01',
    });
    expect(groups[0]!.marks.map((m) => [m.imageId, m.shape.kind])).toEqual([
      ['wadouri:a', 'polyline'],
      ['wadouri:b?frame=1', 'points'],
    ]);
  });
});
