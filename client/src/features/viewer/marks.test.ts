import { describe, expect, it } from 'vitest';
import { ANNOTATION_TOOLS, measure, type ImagePoint } from '@consult/shared';
import { lockedFor, measureImageOf, pointsOf, toolDataOf, type LoadedImage } from './marks';

/** A cornerstone image as the WADO-URI loader hands it over (stored values, rescale, the parsed data set). */
const image = (tags: Record<string, string>, over: Partial<LoadedImage> = {}): LoadedImage => ({
  rows: 4,
  columns: 4,
  slope: 1,
  intercept: -1024,
  color: false,
  getPixelData: () => Uint16Array.from({ length: 16 }, (_x, i) => 1000 + i),
  data: { string: (tag: string) => tags[tag] },
  ...over,
});

const POINTS: Record<(typeof ANNOTATION_TOOLS)[number], ImagePoint[]> = {
  Length: [
    [0, 0],
    [3, 4],
  ],
  Angle: [
    [0, 0],
    [2, 2],
    [4, 0],
  ],
  EllipticalRoi: [
    [0, 0],
    [4, 4],
  ],
  RectangleRoi: [
    [1, 1],
    [3, 3],
  ],
  FreehandRoi: [
    [0, 0],
    [4, 0],
    [4, 4],
  ],
  Probe: [[2.5, 1.5]],
  ArrowAnnotate: [
    [1, 1],
    [3, 3],
  ],
};

describe('viewer marks ↔ the annotation model', () => {
  it.each(ANNOTATION_TOOLS)('%s: stored points become tool handles and read back unchanged', (tool) => {
    const d = toolDataOf(tool, POINTS[tool], tool === 'ArrowAnnotate' ? '结节' : null, { uuid: 'x' });
    expect(pointsOf(tool, d)).toEqual(POINTS[tool]);
    if (tool === 'ArrowAnnotate') expect(d.text).toBe('结节');
  });

  it('reads spacing, modality LUT and unit from the same attributes as the server', () => {
    const ct = measureImageOf(image({ x00280030: '0.5\\0.5', x00080060: 'CT' }));
    expect(ct).toMatchObject({ pixelSpacing: [0.5, 0.5], slope: 1, intercept: -1024, intensityUnit: 'HU' });
    expect(measure('Length', POINTS.Length, ct)).toEqual([{ kind: 'length', value: 2.5, unit: 'mm' }]);
    expect(measure('Probe', POINTS.Probe, ct)).toEqual([
      { kind: 'value', value: 1000 + 6 - 1024, unit: 'HU' },
    ]);
    const plain = measureImageOf(image({ x00080060: 'OT' }));
    expect(measure('Length', POINTS.Length, plain)).toEqual([{ kind: 'length', value: 5, unit: 'px' }]);
    expect(measure('RectangleRoi', POINTS.RectangleRoi, plain).map((m) => m.unit)).toEqual([
      'px2',
      'raw',
      'raw',
    ]);
    // colour images: area only
    expect(measureImageOf(image({}, { color: true })).pixels).toBeNull();
  });

  it("locks others' marks, never one's own or a mark being drawn", () => {
    const owner = { id: 'm', version: 1, authorId: 'alice' };
    expect(lockedFor({ _server: owner }, 'bob')).toBe(true);
    expect(lockedFor({ _sync: owner }, 'bob')).toBe(true);
    expect(lockedFor({ _server: owner }, 'alice')).toBe(false);
    expect(lockedFor({}, 'bob')).toBe(false);
  });
});
