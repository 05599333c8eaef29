/**
 * cornerstone-tools measurement data ↔ the one annotation model (shared/src/annotations): the points of a tool's
 * handles, the tool data for stored points, and what a loaded image says about itself for `measure()` (read from
 * the same DICOM attributes the server reads, so the value shown is the value stored).
 */
import {
  intensityUnitOf,
  parsePixelSpacing,
  type AnnotationTool,
  type ImagePoint,
  type MeasureImage,
} from '@consult/shared';

type XY = { x: number; y: number };
/** The owner of a mark shown in a viewer: the standalone viewer sets `_server`, the round viewer `_sync`. */
export interface MarkOwner {
  id: string;
  version: number;
  authorId: string;
}
export type ToolData = Record<string, unknown> & {
  uuid?: string;
  _server?: MarkOwner;
  _sync?: MarkOwner;
  handles?: Record<string, unknown> & { start?: XY; middle?: XY; end?: XY; points?: XY[]; textBox?: object };
  text?: string;
  color?: string;
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const P = (p: XY | undefined): ImagePoint => [num(p?.x), num(p?.y)];

/** The model's points of a cornerstone mark (see POINTS in the model for what each tool's points mean). */
export function pointsOf(tool: AnnotationTool, d: ToolData): ImagePoint[] {
  const h = d.handles ?? {};
  switch (tool) {
    case 'FreehandRoi':
      return (h.points ?? []).slice(0, 2000).map(P);
    case 'Angle':
      return [P(h.start), P(h.middle), P(h.end)];
    case 'Probe':
      return [P(h.end)];
    default:
      return [P(h.start), P(h.end)];
  }
}

const handle = ([x, y]: ImagePoint) => ({ x, y, highlight: true, active: false });
const textBox = () => ({
  active: false,
  hasMoved: false,
  movesIndependently: false,
  drawnIndependently: true,
  allowedOutsideImage: true,
  hasBoundingBox: true,
});

/** Tool state for stored points (restored marks, marks of others in a round). */
export function toolDataOf(
  tool: AnnotationTool,
  points: readonly ImagePoint[],
  text: string | null | undefined,
  extra: Partial<ToolData>,
): ToolData {
  const p = (i: number) => handle(points[i] ?? [0, 0]);
  const base: ToolData = { visible: true, active: false, invalidated: true, ...extra };
  switch (tool) {
    case 'FreehandRoi': {
      const pts = points.map(handle) as (ReturnType<typeof handle> & { lines: XY[] })[];
      pts.forEach(
        (q, i) => (q.lines = [{ x: pts[(i + 1) % pts.length]!.x, y: pts[(i + 1) % pts.length]!.y }]),
      );
      return {
        ...base,
        handles: { points: pts, textBox: textBox(), invalidHandlePlacement: false },
        polyBoundingBox: {},
        canComplete: false,
      };
    }
    case 'Angle':
      return { ...base, handles: { start: p(0), middle: p(1), end: p(2), textBox: textBox() } };
    case 'Probe':
      return { ...base, handles: { end: p(0) } };
    case 'ArrowAnnotate':
      return { ...base, text: text ?? '', handles: { start: p(0), end: p(1), textBox: textBox() } };
    case 'EllipticalRoi':
    case 'RectangleRoi':
      return { ...base, handles: { start: p(0), end: p(1), initialRotation: 0, textBox: textBox() } };
    default:
      return { ...base, handles: { start: p(0), end: p(1), textBox: textBox() } };
  }
}

/** The parts of a cornerstone image `measure()` reads (the WADO-URI loader attaches the parsed data set). */
export interface LoadedImage {
  rows: number;
  columns: number;
  slope: number;
  intercept: number;
  color: boolean;
  getPixelData(): ArrayLike<number>;
  data?: { string(tag: string): string | undefined };
  preScale?: { scaled?: boolean };
}

const cache = new WeakMap<object, MeasureImage>();

/** The measurement inputs of a loaded image: PixelSpacing, modality LUT, HU or raw, its stored values. */
export function measureImageOf(image: LoadedImage): MeasureImage {
  const hit = cache.get(image);
  if (hit) return hit;
  const ds = image.data;
  const scaled = image.preScale?.scaled === true;
  const m: MeasureImage = {
    columns: image.columns,
    rows: image.rows,
    pixelSpacing: parsePixelSpacing(ds?.string('x00280030')),
    slope: scaled ? 1 : (image.slope ?? 1),
    intercept: scaled ? 0 : (image.intercept ?? 0),
    intensityUnit: intensityUnitOf(ds?.string('x00080060') ?? '', ds?.string('x00281054') ?? ''),
    pixels: image.color ? null : image.getPixelData(),
  };
  cache.set(image, m);
  return m;
}

/** The owner of a mark, if it is stored or shared. */
export const ownerOf = (d: ToolData): MarkOwner | undefined => d._server ?? d._sync;

/** Another user's mark: shown, never moved or edited here (the server refuses it too). */
export const lockedFor = (d: ToolData, me: string | null) => {
  const o = ownerOf(d);
  return !!o && !!me && o.authorId !== me;
};
