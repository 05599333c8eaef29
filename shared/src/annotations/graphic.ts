import type { AnnotationTool, ImagePoint } from './model';

/**
 * A mark's outline in image pixels, for every drawing that is not the live viewer: the SR's SCOORD (PS3.3
 * C.18.6: POINT, POLYLINE, ELLIPSE with its two axes' end points), the printed key images and the key-image cards.
 */
export type MarkShape =
  | { kind: 'polyline'; points: ImagePoint[]; closed: boolean }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'point'; at: ImagePoint }
  | { kind: 'arrow'; head: ImagePoint; tail: ImagePoint };

export function shapeOf(tool: AnnotationTool, points: readonly ImagePoint[]): MarkShape | null {
  const [a, b, c] = points;
  switch (tool) {
    case 'Length':
      return a && b ? { kind: 'polyline', points: [a, b], closed: false } : null;
    case 'Angle':
      return a && b && c ? { kind: 'polyline', points: [a, b, c], closed: false } : null;
    case 'Probe':
      return a ? { kind: 'point', at: a } : null;
    case 'ArrowAnnotate':
      return a && b ? { kind: 'arrow', head: a, tail: b } : null;
    case 'RectangleRoi':
      return a && b ? { kind: 'polyline', points: [a, [b[0], a[1]], b, [a[0], b[1]]], closed: true } : null;
    case 'EllipticalRoi':
      return a && b
        ? {
            kind: 'ellipse',
            cx: (a[0] + b[0]) / 2,
            cy: (a[1] + b[1]) / 2,
            rx: Math.abs(b[0] - a[0]) / 2,
            ry: Math.abs(b[1] - a[1]) / 2,
          }
        : null;
    case 'FreehandRoi':
      return points.length >= 3 ? { kind: 'polyline', points: [...points], closed: true } : null;
  }
}

/** DICOM SR SCOORD of a mark: Graphic Type and Graphic Data (x, y pairs in image pixels). */
export function scoordOf(
  tool: AnnotationTool,
  points: readonly ImagePoint[],
): { type: 'POINT' | 'POLYLINE' | 'ELLIPSE'; data: number[] } | null {
  const s = shapeOf(tool, points);
  if (!s) return null;
  switch (s.kind) {
    case 'point':
      return { type: 'POINT', data: [...s.at] };
    case 'arrow':
      return { type: 'POINT', data: [...s.head] };
    case 'ellipse': {
      // major axis first (PS3.3 C.18.6.1.2)
      const horizontal = [s.cx - s.rx, s.cy, s.cx + s.rx, s.cy];
      const vertical = [s.cx, s.cy - s.ry, s.cx, s.cy + s.ry];
      return {
        type: 'ELLIPSE',
        data: s.rx >= s.ry ? [...horizontal, ...vertical] : [...vertical, ...horizontal],
      };
    }
    case 'polyline': {
      const pts = s.closed ? [...s.points, s.points[0]!] : s.points;
      return { type: 'POLYLINE', data: pts.flat() };
    }
  }
}
