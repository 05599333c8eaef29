import { SYNC_TOOLS, type SyncAnnotation, type SyncAnnotationData, type SyncTool } from '@consult/shared';

/**
 * cornerstone-tools measurement data ↔ the wire form of a mark (points in image pixels, label, stats).
 * Shared marks carry `_sync` (id, version, author) in the viewer's tool state; local marks being drawn do not.
 */
export interface SyncMark {
  id: string;
  version: number;
  authorId: string;
}
type XY = { x: number; y: number };
export type ToolData = Record<string, unknown> & {
  uuid?: string;
  _sync?: SyncMark;
  handles?: Record<string, unknown> & { start?: XY; middle?: XY; end?: XY; points?: XY[] };
  text?: string;
  color?: string;
};

export const isSyncTool = (name: string): name is SyncTool =>
  (SYNC_TOOLS as readonly string[]).includes(name);

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pt = (p: XY | undefined): [number, number] => [num(p?.x) ?? 0, num(p?.y) ?? 0];

/** What to send for a measurement. */
export function toWire(tool: SyncTool, d: ToolData): SyncAnnotationData {
  const h = d.handles ?? {};
  const points: [number, number][] =
    tool === 'FreehandRoi'
      ? (h.points ?? []).slice(0, 2000).map(pt)
      : tool === 'Angle'
        ? [pt(h.start), pt(h.middle), pt(h.end)]
        : [pt(h.start), pt(h.end)];
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries({
    length: d.length,
    rAngle: d.rAngle,
    ...((d.cachedStats as object | undefined) ?? {}),
  })) {
    const n = num(v);
    if (n !== null && k.length <= 40) stats[k] = n;
  }
  return { points, ...(typeof d.text === 'string' && d.text ? { label: d.text.slice(0, 200) } : {}), stats };
}

const handle = ([x, y]: [number, number]) => ({ x, y, highlight: true, active: false });
const textBox = () => ({
  active: false,
  hasMoved: false,
  movesIndependently: false,
  drawnIndependently: true,
  allowedOutsideImage: true,
  hasBoundingBox: true,
});

/** Tool state for a shared mark, drawn in its author's colour; stats are recomputed by the tool (`invalidated`). */
export function fromWire(a: SyncAnnotation): ToolData {
  const p = a.data.points;
  const base: ToolData = {
    visible: true,
    active: false,
    invalidated: true,
    color: a.color,
    uuid: a.id,
    _sync: { id: a.id, version: a.version, authorId: a.authorId },
  };
  switch (a.tool) {
    case 'FreehandRoi': {
      const pts = p.map(handle) as (ReturnType<typeof handle> & { lines: XY[] })[];
      pts.forEach(
        (q, i) => (q.lines = [{ x: pts[(i + 1) % pts.length]!.x, y: pts[(i + 1) % pts.length]!.y }]),
      );
      return {
        ...base,
        handles: { points: pts, textBox: textBox(), invalidHandlePlacement: false },
        polyBoundingBox: {},
        meanStdDev: undefined,
        area: undefined,
        canComplete: false,
      };
    }
    case 'Angle':
      return {
        ...base,
        handles: {
          start: handle(p[0] ?? [0, 0]),
          middle: handle(p[1] ?? [0, 0]),
          end: handle(p[2] ?? [0, 0]),
          textBox: textBox(),
        },
      };
    case 'ArrowAnnotate':
      return {
        ...base,
        text: a.data.label ?? '',
        handles: { start: handle(p[0] ?? [0, 0]), end: handle(p[1] ?? [0, 0]), textBox: textBox() },
      };
    case 'EllipticalRoi':
    case 'RectangleRoi':
      return {
        ...base,
        handles: {
          start: handle(p[0] ?? [0, 0]),
          end: handle(p[1] ?? [0, 0]),
          initialRotation: 0,
          textBox: textBox(),
        },
      };
    default:
      return {
        ...base,
        handles: { start: handle(p[0] ?? [0, 0]), end: handle(p[1] ?? [0, 0]), textBox: textBox() },
      };
  }
}

/** Same geometry (to skip needless redraws and echo loops). */
export const samePoints = (a: SyncAnnotationData, b: SyncAnnotationData) =>
  JSON.stringify(a.points) === JSON.stringify(b.points);
