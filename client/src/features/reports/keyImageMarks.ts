/**
 * Key images and the marks on them, without React: which instances of a study are images, where an instance is,
 * the rendered-frame URL, which annotations lie on a key image's frame, and each mark's measurement and shape.
 *
 * Frames: annotations count from 0 (`Annotation.frame`), key images from 1 (DICOM frame numbers, as in the
 * WADO-RS `frames/{n}` path). `annotationFrame` is the one place that converts.
 */
import {
  shapeOf as modelShape,
  type Annotation,
  type ImagePoint,
  type InstanceSummary,
  type SeriesSummary,
  type StudyDetail,
} from '@consult/shared';

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

export interface Pt {
  x: number;
  y: number;
}
/** A mark's outline in image pixels, for drawing over the rendered frame (the model's shapeOf, as {x, y}). */
export type Shape =
  | { kind: 'polyline'; points: Pt[]; closed: boolean }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'point'; at: Pt }
  | { kind: 'arrow'; from: Pt; to: Pt };

const P = ([x, y]: ImagePoint): Pt => ({ x, y });

export function shapeOf(a: Pick<Annotation, 'tool' | 'points'>): Shape | null {
  const s = modelShape(a.tool, a.points);
  if (!s) return null;
  switch (s.kind) {
    case 'polyline':
      return { kind: 'polyline', points: s.points.map(P), closed: s.closed };
    case 'ellipse':
      return s;
    case 'point':
      return { kind: 'point', at: P(s.at) };
    case 'arrow':
      return { kind: 'arrow', from: P(s.tail), to: P(s.head) };
  }
}
