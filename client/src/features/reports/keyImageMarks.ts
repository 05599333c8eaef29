/**
 * Key images and the marks on them, without React: which instances of a study are images, where an instance is,
 * the rendered-frame URL, which annotations lie on a key image's frame, and each mark's measurement and shape.
 *
 * Frames: annotations count from 0 (`Annotation.frame`), key images from 1 (DICOM frame numbers, as in the
 * WADO-RS `frames/{n}` path). `annotationFrame` is the one place that converts.
 */
import type { Annotation, InstanceSummary, SeriesSummary, StudyDetail } from '@consult/shared';

/** The PNG the server renders of one frame (1-based), windowed as the instance says. */
export const renderedUrl = (studyUid: string, seriesUid: string, sopUid: string, frame: number) =>
  `/dicomweb/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/frames/${frame}/rendered`;

/** The annotation frame (0-based) of a key image frame (1-based). */
export const annotationFrame = (keyImageFrame: number) => keyImageFrame - 1;

/** Instances with pixels (not SR or other documents), in instance-number order. */
export function imageInstances(series: SeriesSummary): InstanceSummary[] {
  return series.instances
    .filter((i) => i.frames > 0)
    .sort(
      (a, b) =>
        (a.instanceNumber ?? Number.MAX_SAFE_INTEGER) - (b.instanceNumber ?? Number.MAX_SAFE_INTEGER) ||
        a.sopInstanceUid.localeCompare(b.sopInstanceUid),
    );
}

/** Series that hold at least one image. */
export const imageSeries = (study: StudyDetail) =>
  study.series.filter((s) => s.instances.some((i) => i.frames > 0));

/** The series and instance of a SOP Instance UID in a study, or null. */
export function locate(
  study: StudyDetail,
  sopUid: string,
): { series: SeriesSummary; instance: InstanceSummary } | null {
  for (const series of study.series) {
    const instance = series.instances.find((i) => i.sopInstanceUid === sopUid);
    if (instance) return { series, instance };
  }
  return null;
}

/** The annotations drawn on one frame (1-based) of one instance. */
export const marksOn = (annotations: Annotation[], sopUid: string, frame: number) =>
  annotations.filter((a) => a.sopInstanceUid === sopUid && a.frame === annotationFrame(frame));

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Words before the values of a region (translated by the caller). */
export interface MeasureLabels {
  area: string;
  mean: string;
  sd: string;
}
const ENGLISH: MeasureLabels = { area: 'area', mean: 'mean', sd: 'SD' };

/**
 * The measurement of a mark as the viewer computed it (length, angle, area, mean/SD), e.g. "62.5 mm",
 * "area 120.0 mm² · mean 40.2 HU"; the text of an arrow; '' when the mark carries none.
 */
export function measurementOf(
  a: Pick<Annotation, 'tool' | 'data'>,
  modality = '',
  labels: MeasureLabels = ENGLISH,
): string {
  const d = a.data as Record<string, unknown>;
  const stats = (d.cachedStats ?? d.meanStdDev ?? {}) as Record<string, unknown>;
  const px = d.unit === 'pixels';
  const len = px ? 'px' : 'mm';
  const area = px ? 'px²' : 'mm²';
  const hu = modality === 'CT' ? ' HU' : '';
  const parts: string[] = [];
  const add = (label: string, v: unknown, unit: string) => {
    const n = num(v);
    if (n !== null) parts.push(`${label}${n.toFixed(1)}${unit}`);
  };
  switch (a.tool) {
    case 'Length':
      add('', d.length, ` ${len}`);
      break;
    case 'Angle':
      add('', d.rAngle, '°');
      break;
    case 'Probe':
      add('', stats.mo ?? d.value, hu);
      break;
    case 'EllipticalRoi':
    case 'RectangleRoi':
    case 'FreehandRoi':
      add(`${labels.area} `, stats.area ?? d.area, ` ${area}`);
      add(`${labels.mean} `, stats.mean, hu);
      add(`${labels.sd} `, stats.stdDev, hu);
      break;
  }
  if (typeof d.text === 'string' && d.text.trim()) parts.push(d.text.trim());
  return parts.join(' · ');
}

export interface Pt {
  x: number;
  y: number;
}
/** A mark's outline in image pixels, for drawing over the rendered frame. */
export type Shape =
  | { kind: 'polyline'; points: Pt[]; closed: boolean }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'point'; at: Pt }
  | { kind: 'arrow'; from: Pt; to: Pt };

const pt = (v: unknown): Pt | null => {
  const p = v as { x?: unknown; y?: unknown } | null;
  return p && num(p.x) !== null && num(p.y) !== null ? { x: p.x as number, y: p.y as number } : null;
};

export function shapeOf(a: Pick<Annotation, 'tool' | 'data'>): Shape | null {
  const h = ((a.data as Record<string, unknown>).handles ?? {}) as Record<string, unknown>;
  const start = pt(h.start);
  const end = pt(h.end);
  switch (a.tool) {
    case 'Length':
      return start && end ? { kind: 'polyline', points: [start, end], closed: false } : null;
    case 'Angle': {
      const mid = pt(h.middle);
      return start && mid && end ? { kind: 'polyline', points: [start, mid, end], closed: false } : null;
    }
    case 'Probe':
      return end ? { kind: 'point', at: end } : null;
    case 'ArrowAnnotate':
      // cornerstone draws the head at the start handle
      return start && end ? { kind: 'arrow', from: end, to: start } : null;
    case 'RectangleRoi':
      return start && end
        ? {
            kind: 'polyline',
            points: [start, { x: end.x, y: start.y }, end, { x: start.x, y: end.y }],
            closed: true,
          }
        : null;
    case 'EllipticalRoi':
      return start && end
        ? {
            kind: 'ellipse',
            cx: (start.x + end.x) / 2,
            cy: (start.y + end.y) / 2,
            rx: Math.abs(end.x - start.x) / 2,
            ry: Math.abs(end.y - start.y) / 2,
          }
        : null;
    case 'FreehandRoi': {
      const points = (Array.isArray(h.points) ? h.points : []).map(pt).filter((p): p is Pt => p !== null);
      return points.length >= 3 ? { kind: 'polyline', points, closed: true } : null;
    }
  }
  return null;
}
