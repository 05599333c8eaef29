/**
 * The viewer's measurement tools: cornerstone-tools' own tools (drawing, handles, hit tests, text prompt) whose
 * picture and text come from the one annotation model — each mark's values are computed by `measure()` from its
 * points and the image, and written by the model's formatter in the user's language (cornerstone writes
 * "Area"/"Mean" in English with its own rounding). Others' marks are locked: their handles and bodies do not move.
 */
import { markLines, measure, type AnnotationTool, type MarkLang } from '@consult/shared';
import { cornerstone, cornerstoneTools } from './cornerstone';
import { lockedFor, measureImageOf, pointsOf, type LoadedImage, type ToolData } from './marks';

/** Who looks and in which language (set by the page that shows a viewer). */
export const markContext: { lang: MarkLang; me: string | null } = { lang: 'zh-CN', me: null };

type XY = { x: number; y: number };
type Fn = (...args: unknown[]) => unknown;
const internal = (name: string) => cornerstoneTools.importInternal(`drawing/${name}`) as Fn;

interface RenderEvent {
  currentTarget: HTMLElement;
  detail: { element: HTMLElement; image: LoadedImage; canvasContext: { canvas: HTMLCanvasElement } };
}

const xy = ([x, y]: [number, number]): XY => ({ x, y });
const toCanvas = (element: HTMLElement, p: XY) =>
  (cornerstone.pixelToCanvas as unknown as (e: HTMLElement, q: XY) => XY)(element, p);

function drawShape(ctx: unknown, element: HTMLElement, tool: AnnotationTool, d: ToolData, color: string) {
  const h = d.handles ?? {};
  const opts = { color };
  switch (tool) {
    case 'Length':
      internal('drawLine')(ctx, element, h.start, h.end, opts);
      break;
    case 'Angle':
      internal('drawJoinedLines')(ctx, element, h.start, [h.middle, h.end], opts);
      break;
    case 'RectangleRoi':
      internal('drawRect')(ctx, element, h.start, h.end, opts, 'pixel', 0);
      break;
    case 'EllipticalRoi':
      internal('drawEllipse')(ctx, element, h.start, h.end, opts, 'pixel', 0);
      break;
    case 'FreehandRoi': {
      const pts = h.points ?? [];
      if (pts.length > 1) internal('drawJoinedLines')(ctx, element, pts[0], [...pts.slice(1), pts[0]], opts);
      break;
    }
    case 'ArrowAnnotate': {
      const from = toCanvas(element, h.end as XY);
      const head = toCanvas(element, h.start as XY);
      internal('drawArrow')(ctx, from, head, color, cornerstoneTools.toolStyle.getToolWidth());
      break;
    }
    case 'Probe':
      break;
  }
}

/** Draw every mark of one tool on the rendered image: shape, handles, the model's values as text. */
function renderMarks(
  tool: { name: string; configuration: Record<string, unknown> },
  model: AnnotationTool,
  evt: RenderEvent,
) {
  const state = cornerstoneTools.getToolState(evt.currentTarget, tool.name) as
    { data: ToolData[] } | undefined;
  if (!state?.data.length) return;
  const { element, image } = evt.detail;
  const img = measureImageOf(image);
  const ctx = internal('getNewContext')(evt.detail.canvasContext.canvas);
  const lineWidth = cornerstoneTools.toolStyle.getToolWidth() as number;
  for (const d of state.data) {
    if (d.visible === false) continue;
    internal('draw')(ctx, (c: unknown) => {
      internal('setShadow')(c, tool.configuration);
      const color =
        (d.color as string | undefined) ?? (cornerstoneTools.toolColors.getColorIfActive(d) as string);
      drawShape(c, element, model, d, color);
      const handles = model === 'FreehandRoi' ? { ...(d.handles?.points ?? []) } : d.handles;
      if (!lockedFor(d, markContext.me))
        internal('drawHandles')(c, evt.detail, handles, {
          color,
          handleRadius: tool.configuration.handleRadius,
        });
      const points = pointsOf(model, d);
      const lines = markLines(
        { measurements: (d.measurements = measure(model, points, img)), text: d.text ?? null },
        markContext.lang,
      );
      if (lines.length === 0) return;
      const box = d.handles?.textBox as (XY & { hasMoved?: boolean }) | undefined;
      if (!box) {
        const at = toCanvas(element, xy(points[0]!));
        internal('drawTextBox')(c, lines, at.x + 8, at.y - 8, color);
        return;
      }
      if (!box.hasMoved) {
        const right = points.reduce((a, b) => (b[0] > a[0] ? b : a));
        box.x = right[0];
        box.y = right[1];
      }
      internal('drawLinkedTextBox')(
        c,
        element,
        box,
        lines,
        d.handles,
        () => points.map(xy),
        color,
        lineWidth,
        10,
        true,
      );
    });
  }
}

/** A cornerstone tool class whose rendering and text are the model's, and whose others' marks are locked. */
function modelTool(Base: new (...a: never[]) => object, model: AnnotationTool) {
  const B = Base as unknown as new (props?: object) => {
    name: string;
    configuration: Record<string, unknown>;
    renderToolData(evt: RenderEvent): void;
    handleSelectedCallback?(evt: unknown, d: ToolData, handle: unknown, type: string): unknown;
    toolSelectedCallback?(evt: unknown, d: ToolData, type: string): unknown;
    _drawing?: boolean;
  };
  return class extends B {
    override renderToolData(evt: RenderEvent): void {
      // A freehand outline being drawn is cornerstone's own business until it closes.
      if (model === 'FreehandRoi' && this._drawing) return super.renderToolData(evt);
      renderMarks(this, model, evt);
    }
    override handleSelectedCallback(evt: unknown, d: ToolData, handle: unknown, type: string): unknown {
      if (lockedFor(d, markContext.me)) return undefined;
      return super.handleSelectedCallback?.(evt, d, handle, type);
    }
    override toolSelectedCallback(evt: unknown, d: ToolData, type: string): unknown {
      if (lockedFor(d, markContext.me)) return undefined;
      return super.toolSelectedCallback?.(evt, d, type);
    }
  };
}

const CLASSES: Record<string, [string, AnnotationTool]> = {
  LengthTool: ['LengthTool', 'Length'],
  AngleTool: ['AngleTool', 'Angle'],
  ProbeTool: ['ProbeTool', 'Probe'],
  EllipticalRoiTool: ['EllipticalRoiTool', 'EllipticalRoi'],
  RectangleRoiTool: ['RectangleRoiTool', 'RectangleRoi'],
  FreehandRoiTool: ['FreehandRoiTool', 'FreehandRoi'],
  ArrowAnnotateTool: ['ArrowAnnotateTool', 'ArrowAnnotate'],
};
const made = new Map<string, unknown>();

/** The tool class to register for a cornerstone-tools class name (model-backed for measurement tools). */
export function toolClass(name: string): unknown {
  const spec = CLASSES[name];
  if (!spec) return cornerstoneTools[name];
  if (!made.has(name)) made.set(name, modelTool(cornerstoneTools[spec[0]], spec[1]));
  return made.get(name);
}
