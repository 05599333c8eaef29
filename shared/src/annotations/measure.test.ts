import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import {
  ANNOTATION_TOOLS,
  AnnotationCreate,
  formatMeasurement,
  geometryFault,
  intensityUnitOf,
  markLabel,
  measure,
  parsePixelSpacing,
  scoordOf,
  type AnnotationTool,
  type ImagePoint,
  type MeasureImage,
} from '../index';

/** 10×10 image whose stored value at (c, r) is c + 10r; slope 2, intercept -100 (CT → HU). */
const pixels = Int16Array.from({ length: 100 }, (_x, i) => i);
const ct: MeasureImage = {
  columns: 10,
  rows: 10,
  pixelSpacing: [0.5, 0.25],
  slope: 2,
  intercept: -100,
  intensityUnit: 'HU',
  pixels,
};
const noSpacing: MeasureImage = { ...ct, pixelSpacing: null, slope: 1, intercept: 0, intensityUnit: 'raw' };

describe('measure(): one computation for every tool', () => {
  it('length uses the column spacing for x and the row spacing for y, or pixels without PixelSpacing', () => {
    expect(
      measure(
        'Length',
        [
          [0, 0],
          [4, 0],
        ],
        ct,
      ),
    ).toEqual([{ kind: 'length', value: 1, unit: 'mm' }]);
    expect(
      measure(
        'Length',
        [
          [0, 0],
          [0, 4],
        ],
        ct,
      ),
    ).toEqual([{ kind: 'length', value: 2, unit: 'mm' }]);
    expect(
      measure(
        'Length',
        [
          [0, 0],
          [3, 4],
        ],
        noSpacing,
      ),
    ).toEqual([{ kind: 'length', value: 5, unit: 'px' }]);
  });

  it('angle is measured at the vertex in the patient plane (anisotropic spacing changes it)', () => {
    const right: ImagePoint[] = [
      [5, 0],
      [0, 0],
      [0, 5],
    ];
    expect(measure('Angle', right, ct)[0]!.value).toBeCloseTo(90, 10);
    const diag: ImagePoint[] = [
      [4, 0],
      [0, 0],
      [4, 4],
    ];
    expect(measure('Angle', diag, noSpacing)[0]!.value).toBeCloseTo(45, 10);
    // 4 px × 0.25 mm across, 4 px × 0.5 mm down: atan(2) = 63.43°
    expect(measure('Angle', diag, ct)[0]!.value).toBeCloseTo((Math.atan(2) * 180) / Math.PI, 10);
    expect(
      measure(
        'Angle',
        [
          [1, 1],
          [1, 1],
          [2, 2],
        ],
        ct,
      ),
    ).toEqual([]);
    expect(
      measure(
        'Angle',
        [
          [10, 0],
          [0, 0],
          [-10, 1e-9],
        ],
        ct,
      )[0]!.value,
    ).toBeCloseTo(180, 6);
  });

  it('rectangle area is geometric; mean/SD over the pixel centres inside, through the modality LUT', () => {
    // covers pixel centres c ∈ {1,2}, r ∈ {1,2}: stored 11, 12, 21, 22
    const m = measure(
      'RectangleRoi',
      [
        [1, 1],
        [3, 3],
      ],
      ct,
    );
    const stored = [11, 12, 21, 22].map((v) => v * 2 - 100);
    const mean = stored.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(stored.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(m).toEqual([
      { kind: 'area', value: 4 * 0.25 * 0.5, unit: 'mm2' },
      { kind: 'mean', value: mean, unit: 'HU' },
      { kind: 'sd', value: sd, unit: 'HU' },
    ]);
    // drawn from the other corner: same region
    expect(
      measure(
        'RectangleRoi',
        [
          [3, 3],
          [1, 1],
        ],
        ct,
      ),
    ).toEqual(m);
  });

  it('ellipse area is πab; its pixels are those whose centre is inside', () => {
    const m = measure(
      'EllipticalRoi',
      [
        [0, 0],
        [10, 10],
      ],
      noSpacing,
    );
    expect(m[0]).toEqual({ kind: 'area', value: Math.PI * 25, unit: 'px2' });
    const inside: number[] = [];
    for (let r = 0; r < 10; r++)
      for (let c = 0; c < 10; c++) if ((c + 0.5 - 5) ** 2 + (r + 0.5 - 5) ** 2 <= 25) inside.push(c + 10 * r);
    const mean = inside.reduce((a, b) => a + b) / inside.length;
    expect(m[1]).toEqual({ kind: 'mean', value: mean, unit: 'raw' });
  });

  it('freehand area by the shoelace formula; a colour image gets an area only', () => {
    const tri: ImagePoint[] = [
      [0, 0],
      [4, 0],
      [0, 4],
    ];
    expect(measure('FreehandRoi', tri, noSpacing)[0]).toEqual({ kind: 'area', value: 8, unit: 'px2' });
    expect(measure('FreehandRoi', tri, { ...ct, pixels: null })).toEqual([
      { kind: 'area', value: 8 * 0.125, unit: 'mm2' },
    ]);
  });

  it('probe reads the pixel under the point; outside the image, nothing', () => {
    expect(measure('Probe', [[3.7, 2.2]], ct)).toEqual([{ kind: 'value', value: 23 * 2 - 100, unit: 'HU' }]);
    expect(measure('Probe', [[-1, 2]], ct)).toEqual([]);
    expect(
      measure(
        'ArrowAnnotate',
        [
          [1, 1],
          [5, 5],
        ],
        ct,
      ),
    ).toEqual([]);
  });

  it('HU only when the modality LUT gives it; spacing parsed from DS text', () => {
    expect(intensityUnitOf('CT')).toBe('HU');
    expect(intensityUnitOf('MR')).toBe('raw');
    expect(intensityUnitOf('PT', 'HU')).toBe('HU');
    expect(parsePixelSpacing('0.703125\\0.703125')).toEqual([0.703125, 0.703125]);
    expect(parsePixelSpacing('0\\1')).toBeNull();
    expect(parsePixelSpacing('')).toBeNull();
  });
});

describe('geometry, SR coordinates and the formatter', () => {
  const valid: Record<AnnotationTool, ImagePoint[]> = {
    Length: [
      [0, 0],
      [1, 1],
    ],
    Angle: [
      [0, 0],
      [1, 1],
      [2, 0],
    ],
    EllipticalRoi: [
      [0, 0],
      [4, 2],
    ],
    RectangleRoi: [
      [0, 0],
      [4, 2],
    ],
    FreehandRoi: [
      [0, 0],
      [4, 0],
      [0, 4],
    ],
    Probe: [[1, 1]],
    ArrowAnnotate: [
      [1, 1],
      [5, 5],
    ],
  };
  it.each(ANNOTATION_TOOLS)(
    '%s: the right number of points is a mark, one more is refused by name',
    (tool) => {
      expect(geometryFault(tool, valid[tool])).toBeNull();
      expect(
        geometryFault(tool, [...valid[tool], ...(tool === 'FreehandRoi' ? [] : [[9, 9] as ImagePoint])]),
      ).toSatisfy((f: string | null) => (tool === 'FreehandRoi' ? f === null : f!.includes(tool)));
      expect(
        Value.Check(AnnotationCreate, { sopInstanceUid: '1.2', frame: 0, tool, points: valid[tool] }),
      ).toBe(true);
      expect(scoordOf(tool, valid[tool])).not.toBeNull();
    },
  );

  it('an ellipse lists its major axis first', () => {
    expect(
      scoordOf('EllipticalRoi', [
        [0, 0],
        [2, 8],
      ])!.data.slice(0, 4),
    ).toEqual([1, 0, 1, 8]);
    expect(
      scoordOf('EllipticalRoi', [
        [0, 0],
        [8, 2],
      ])!.data.slice(0, 4),
    ).toEqual([0, 1, 8, 1]);
    expect(
      scoordOf('RectangleRoi', [
        [0, 0],
        [2, 1],
      ]),
    ).toEqual({
      type: 'POLYLINE',
      data: [0, 0, 2, 0, 2, 1, 0, 1, 0, 0],
    });
  });

  it('prints values in zh-CN and en, pixels never called mm', () => {
    expect(formatMeasurement({ kind: 'angle', value: 124.8231, unit: 'deg' }, 'zh-CN')).toBe('124.8°');
    expect(formatMeasurement({ kind: 'length', value: 12.34, unit: 'px' }, 'zh-CN')).toBe('12.3 像素');
    expect(formatMeasurement({ kind: 'length', value: 12.34, unit: 'px' }, 'en')).toBe('12.3 px');
    expect(formatMeasurement({ kind: 'mean', value: -0.04, unit: 'HU' }, 'en')).toBe('Mean 0.0 HU');
    expect(
      markLabel(
        {
          measurements: [
            { kind: 'area', value: 120, unit: 'mm2' },
            { kind: 'mean', value: 40.25, unit: 'raw' },
            { kind: 'sd', value: 3.14, unit: 'raw' },
          ],
          text: null,
        },
        'zh-CN',
      ),
    ).toBe('面积 120.0 mm² · 均值 40.3 (原始值) · 标准差 3.1 (原始值)');
  });
});
