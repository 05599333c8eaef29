import type { AnnotationTool, ImagePoint, Measurement, MeasurementUnit } from './model';

/**
 * The one computation of every measurement (viewer, round viewer, server store). Inputs are the mark's points
 * (image pixels) and what the image says about itself; outputs are values with their unit.
 *
 * - Length: Euclidean distance with PixelSpacing (mm), else in pixels (px).
 * - Angle: between the two arms at the vertex, measured in the patient plane (arms scaled by the spacing), deg.
 * - Area: the shape's geometric area (ellipse πab, rectangle, polygon by the shoelace formula), mm² or px².
 * - Mean / SD (population) over the pixels whose centre lies inside the shape, after the modality LUT
 *   (stored value × RescaleSlope + RescaleIntercept); unit HU when the modality LUT gives Hounsfield units,
 *   else `raw`. Not computed for colour images (no `pixels`).
 * - Probe: the value of the pixel under the point, same unit rule.
 */
export interface MeasureImage {
  columns: number;
  rows: number;
  /** PixelSpacing (0028,0030) as stored: [row spacing (vertical, mm), column spacing (horizontal, mm)]. */
  pixelSpacing: readonly [number, number] | null;
  /** Modality LUT (1 and 0 when absent). */
  slope: number;
  intercept: number;
  intensityUnit: 'HU' | 'raw';
  /** One frame's stored values, row-major, one sample per pixel; null for colour or undecoded frames. */
  pixels: ArrayLike<number> | null;
}

/** HU when the modality LUT yields Hounsfield units: CT (PS3.3 C.11.1.1.2), or Rescale Type (0028,1054) HU. */
export const intensityUnitOf = (modality: string, rescaleType = ''): 'HU' | 'raw' =>
  modality.trim().toUpperCase() === 'CT' || rescaleType.trim().toUpperCase() === 'HU' ? 'HU' : 'raw';

/** PixelSpacing from its DS text ("0.7\\0.7"); null unless two positive numbers. */
export function parsePixelSpacing(
  ds: string | readonly number[] | null | undefined,
): [number, number] | null {
  if (ds === null || ds === undefined) return null;
  const parts = typeof ds === 'string' ? ds.split('\\').map((s) => Number(s.trim())) : [...ds];
  if (parts.length < 2 || !parts.slice(0, 2).every((n) => Number.isFinite(n) && n > 0)) return null;
  return [parts[0]!, parts[1]!];
}

interface Scale {
  sx: number;
  sy: number;
  mm: boolean;
}
const scaleOf = (img: MeasureImage): Scale =>
  img.pixelSpacing
    ? { sx: img.pixelSpacing[1], sy: img.pixelSpacing[0], mm: true }
    : { sx: 1, sy: 1, mm: false };

const M = (kind: Measurement['kind'], value: number, unit: MeasurementUnit): Measurement[] =>
  Number.isFinite(value) ? [{ kind, value, unit }] : [];

export function lengthOf([a, b]: readonly ImagePoint[], s: Scale): number {
  return Math.hypot((b![0] - a![0]) * s.sx, (b![1] - a![1]) * s.sy);
}

export function angleOf([a, v, b]: readonly ImagePoint[], s: Scale): number {
  const ux = (a![0] - v![0]) * s.sx;
  const uy = (a![1] - v![1]) * s.sy;
  const wx = (b![0] - v![0]) * s.sx;
  const wy = (b![1] - v![1]) * s.sy;
  const n = Math.hypot(ux, uy) * Math.hypot(wx, wy);
  if (n === 0) return NaN;
  const cos = Math.min(1, Math.max(-1, (ux * wx + uy * wy) / n));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** Is a pixel centre inside the shape; and the shape's bounding box in image pixels. */
interface Region {
  box: [minX: number, minY: number, maxX: number, maxY: number];
  inside: (x: number, y: number) => boolean;
  /** Geometric area in pixels². */
  area: number;
}

function boxOf(points: readonly ImagePoint[]): Region['box'] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export function regionOf(tool: AnnotationTool, points: readonly ImagePoint[]): Region | null {
  const box = boxOf(points);
  const [x0, y0, x1, y1] = box;
  if (tool === 'RectangleRoi')
    return {
      box,
      area: (x1 - x0) * (y1 - y0),
      inside: (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1,
    };
  if (tool === 'EllipticalRoi') {
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const rx = (x1 - x0) / 2;
    const ry = (y1 - y0) / 2;
    return {
      box,
      area: Math.PI * rx * ry,
      inside: (x, y) => rx > 0 && ry > 0 && ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1,
    };
  }
  if (tool === 'FreehandRoi') {
    let twice = 0;
    for (let i = 0; i < points.length; i++) {
      const [ax, ay] = points[i]!;
      const [bx, by] = points[(i + 1) % points.length]!;
      twice += ax * by - bx * ay;
    }
    return { box, area: Math.abs(twice) / 2, inside: (x, y) => inPolygon(points, x, y) };
  }
  return null;
}

function inPolygon(p: readonly ImagePoint[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = p.length - 1; i < p.length; j = i++) {
    const [xi, yi] = p[i]!;
    const [xj, yj] = p[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Mean and population SD of the modality values of the pixels whose centre is inside; null when none is. */
export function regionStats(
  region: Region,
  img: MeasureImage,
): { mean: number; sd: number; n: number } | null {
  const px = img.pixels;
  if (!px) return null;
  const [x0, y0, x1, y1] = region.box;
  const c0 = Math.max(0, Math.floor(x0));
  const c1 = Math.min(img.columns - 1, Math.ceil(x1));
  const r0 = Math.max(0, Math.floor(y0));
  const r1 = Math.min(img.rows - 1, Math.ceil(y1));
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let r = r0; r <= r1; r++)
    for (let c = c0; c <= c1; c++) {
      if (!region.inside(c + 0.5, r + 0.5)) continue;
      const v = px[r * img.columns + c]! * img.slope + img.intercept;
      n++;
      sum += v;
      sum2 += v * v;
    }
  if (n === 0) return null;
  const mean = sum / n;
  return { mean, sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), n };
}

/** The measured values of a mark on an image (empty for an arrow, or when the geometry is degenerate). */
export function measure(
  tool: AnnotationTool,
  points: readonly ImagePoint[],
  img: MeasureImage,
): Measurement[] {
  const s = scaleOf(img);
  switch (tool) {
    case 'Length':
      return points.length === 2 ? M('length', lengthOf(points, s), s.mm ? 'mm' : 'px') : [];
    case 'Angle':
      return points.length === 3 ? M('angle', angleOf(points, s), 'deg') : [];
    case 'Probe': {
      const [x, y] = points[0] ?? [NaN, NaN];
      const c = Math.floor(x);
      const r = Math.floor(y);
      if (!img.pixels || !(c >= 0 && r >= 0 && c < img.columns && r < img.rows)) return [];
      return M('value', img.pixels[r * img.columns + c]! * img.slope + img.intercept, img.intensityUnit);
    }
    case 'EllipticalRoi':
    case 'RectangleRoi':
    case 'FreehandRoi': {
      const region = regionOf(tool, points);
      if (!region) return [];
      const stats = regionStats(region, img);
      return [
        ...M('area', region.area * s.sx * s.sy, s.mm ? 'mm2' : 'px2'),
        ...(stats
          ? [...M('mean', stats.mean, img.intensityUnit), ...M('sd', stats.sd, img.intensityUnit)]
          : []),
      ];
    }
    case 'ArrowAnnotate':
      return [];
  }
}
