import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../schemas/common';

/**
 * The ONE annotation model. Every place that draws, stores, exports or prints a mark uses this shape: the
 * standalone viewer, the round (sync) viewer, the imaging annotation store, the DICOM SR (TID 1500) export and
 * the report's key-image pictures.
 *
 * - Geometry is `points` in image pixels of the referenced frame: [x, y] = [column, row], (0, 0) the top-left
 *   corner of the first pixel (pixel centres are at +0.5), as cornerstone's image coordinates.
 * - What each tool's points mean (see POINTS): Length [a, b]; Angle [a, vertex, b]; EllipticalRoi and
 *   RectangleRoi two opposite corners of the bounding box; FreehandRoi the polygon (closed implicitly);
 *   Probe [p]; ArrowAnnotate [head, tail] with its `text`.
 * - `measurements` are computed from the points and the image by `measure()` (measure.ts), never typed in:
 *   the server recomputes them on every write from the stored pixels, clients with the same function for display.
 */

/** Measurement and annotation tools (cornerstone-tools names, so the viewer maps 1:1). */
export const ANNOTATION_TOOLS = [
  'Length',
  'Angle',
  'EllipticalRoi',
  'RectangleRoi',
  'FreehandRoi',
  'Probe',
  'ArrowAnnotate',
] as const;
export const AnnotationTool = Type.Union(ANNOTATION_TOOLS.map((t) => Type.Literal(t)));
export type AnnotationTool = Static<typeof AnnotationTool>;
export const isAnnotationTool = (name: string): name is AnnotationTool =>
  (ANNOTATION_TOOLS as readonly string[]).includes(name);

/** How many points each tool's geometry holds: [min, max]. */
export const POINTS: Record<AnnotationTool, readonly [number, number]> = {
  Length: [2, 2],
  Angle: [3, 3],
  EllipticalRoi: [2, 2],
  RectangleRoi: [2, 2],
  FreehandRoi: [3, 2000],
  Probe: [1, 1],
  ArrowAnnotate: [2, 2],
};

const Coord = Type.Number({ minimum: -1e6, maximum: 1e6 });
/** [x, y] in image pixels. */
export const ImagePoint = Type.Tuple([Coord, Coord]);
export type ImagePoint = Static<typeof ImagePoint>;
export const MarkPoints = Type.Array(ImagePoint, { minItems: 1, maxItems: 2000 });
export const MarkText = Type.String({ maxLength: 200 });

export const MEASUREMENT_KINDS = ['length', 'angle', 'area', 'mean', 'sd', 'value'] as const;
export type MeasurementKind = (typeof MEASUREMENT_KINDS)[number];
/**
 * mm/mm² with PixelSpacing, px/px² without it (never called mm); deg; HU when the modality LUT gives Hounsfield
 * units (CT, or Rescale Type HU); `raw` = stored values through the rescale, in no named unit.
 */
export const MEASUREMENT_UNITS = ['mm', 'px', 'deg', 'mm2', 'px2', 'HU', 'raw'] as const;
export type MeasurementUnit = (typeof MEASUREMENT_UNITS)[number];

export const Measurement = Type.Object(
  {
    kind: Type.Union(MEASUREMENT_KINDS.map((k) => Type.Literal(k))),
    value: Type.Number(),
    unit: Type.Union(MEASUREMENT_UNITS.map((u) => Type.Literal(u))),
  },
  { additionalProperties: false },
);
export type Measurement = Static<typeof Measurement>;

/** A stored mark as the API returns it. */
export const Annotation = Type.Object({
  id: Uuid,
  studyId: Uuid,
  seriesInstanceUid: Type.String(),
  sopInstanceUid: Type.String(),
  /** 0-based frame of a multi-frame instance; 0 otherwise. */
  frame: Type.Integer({ minimum: 0 }),
  tool: AnnotationTool,
  points: Type.Array(ImagePoint),
  /** The arrow's words (or a label on any mark); null when none. */
  text: Type.Union([Type.String(), Type.Null()]),
  /** Computed by the server from the points and the stored pixels. */
  measurements: Type.Array(Measurement),
  authorId: Uuid,
  authorName: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Annotation = Static<typeof Annotation>;

export const AnnotationCreate = Type.Object(
  {
    sopInstanceUid: Type.String({ minLength: 1, maxLength: 64 }),
    frame: Type.Integer({ minimum: 0, default: 0 }),
    tool: AnnotationTool,
    points: MarkPoints,
    text: Type.Optional(MarkText),
  },
  { additionalProperties: false },
);
export type AnnotationCreate = Static<typeof AnnotationCreate>;

/** Optimistic concurrency: `version` is the version the editor started from; a newer one on the server → 409. */
export const AnnotationUpdate = Type.Object(
  { points: MarkPoints, text: Type.Optional(MarkText), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type AnnotationUpdate = Static<typeof AnnotationUpdate>;
export const AnnotationDeleteQuery = Type.Object({ version: Type.Integer({ minimum: 1 }) });

/** Why these points are not a `tool` mark (null when they are): the count, and finite image coordinates. */
export function geometryFault(tool: AnnotationTool, points: readonly ImagePoint[]): string | null {
  const [min, max] = POINTS[tool];
  if (points.length < min || points.length > max)
    return min === max
      ? `a ${tool} mark has ${min} point(s), not ${points.length}`
      : `a ${tool} mark has ${min} to ${max} points, not ${points.length}`;
  if (points.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1])))
    return 'every point needs finite x and y';
  return null;
}

/** Only the author edits or deletes a mark (the server enforces it; viewers lock others' marks). */
export const mayEditMark = (mark: { authorId: string }, userId: string) => mark.authorId === userId;
