/**
 * The read-only layer of marks from other systems over one viewer element: after cornerstone renders an image, the
 * marks placed on that image (srMarks.ts) are drawn on its canvas in their own style (dashed amber outline, label
 * "what · who · when"), through cornerstone's pixel→canvas transform so zoom, pan, rotation and flips apply. They
 * are never cornerstone-tools measurements: no tool can select, move or delete them, and they are neither saved
 * nor synchronised as the platform's annotations.
 */
import { cornerstone } from './cornerstone';
import { originText, valueText, type SrReportGroup, type SrShape, type XY } from './srMarks';

export const SR_MARK_COLOR = '#ffb000';
const RENDERED = 'cornerstoneimagerendered';

type Placed = SrReportGroup['marks'][number] & { origin: string };
/** What the layer drew on the last render (read by tests through window.__srMarks). */
export interface SrDrawn {
  imageId: string;
  marks: { srSopInstanceUid: string; label: string; origin: string; canvasPoints: XY[] }[];
}

export class SrMarksLayer {
  readonly element: HTMLElement;
  #byImage = new Map<string, Placed[]>();
  #visible = true;
  #drawn: SrDrawn | null = null;
  #off: () => void;

  constructor(element: HTMLElement) {
    this.element = element;
    const onRendered = (e: Event) => this.#draw(e as CustomEvent);
    element.addEventListener(RENDERED, onRendered);
    this.#off = () => element.removeEventListener(RENDERED, onRendered);
  }

  /** The reports to show; `unknown` names a report's author when it names nobody. */
  setReports(groups: readonly SrReportGroup[], unknown: string): void {
    this.#byImage.clear();
    for (const g of groups)
      for (const m of g.marks) {
        if (!m.imageId) continue;
        const list = this.#byImage.get(m.imageId) ?? [];
        list.push({ ...m, origin: originText(m, unknown) });
        this.#byImage.set(m.imageId, list);
      }
    this.#redraw();
  }

  get visible(): boolean {
    return this.#visible;
  }
  setVisible(v: boolean): void {
    this.#visible = v;
    this.#redraw();
  }
  /** The marks drawn on the last render, null when none were. */
  get drawn(): SrDrawn | null {
    return this.#drawn;
  }

  close(): void {
    this.#off();
    this.#byImage.clear();
  }

  #redraw(): void {
    try {
      if (cornerstone.getEnabledElement(this.element).image) cornerstone.updateImage(this.element);
    } catch {
      /* not enabled (closed) */
    }
  }

  #draw(e: CustomEvent): void {
    const detail = e.detail as { image?: { imageId: string }; canvasContext?: CanvasRenderingContext2D };
    const imageId = detail.image?.imageId;
    const ctx = detail.canvasContext;
    this.#drawn = null;
    if (!imageId || !ctx || !this.#visible) return;
    const marks = this.#byImage.get(imageId);
    if (!marks?.length) return;
    const toCanvas = (p: XY) =>
      (cornerstone.pixelToCanvas as unknown as (el: HTMLElement, q: XY) => XY)(this.element, p);
    const drawn: SrDrawn = { imageId, marks: [] };
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    for (const m of marks) {
      const pts = outline(m.shape, toCanvas);
      ctx.strokeStyle = SR_MARK_COLOR;
      ctx.fillStyle = SR_MARK_COLOR;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      stroke(ctx, m.shape, pts);
      const label = valueText(m);
      textBox(ctx, [label, m.origin], labelAt(pts));
      drawn.marks.push({ srSopInstanceUid: m.srSopInstanceUid, label, origin: m.origin, canvasPoints: pts });
    }
    ctx.restore();
    this.#drawn = drawn;
  }
}

/** The shape's defining points on the canvas. */
function outline(s: SrShape, toCanvas: (p: XY) => XY): XY[] {
  switch (s.kind) {
    case 'points':
    case 'polyline':
      return s.points.map(toCanvas);
    case 'circle':
      return [toCanvas(s.center), toCanvas(s.edge)];
    case 'ellipse':
      return [...s.major, ...s.minor].map(toCanvas);
  }
}

const dist = (a: XY, b: XY) => Math.hypot(a.x - b.x, a.y - b.y);

function stroke(ctx: CanvasRenderingContext2D, s: SrShape, p: XY[]): void {
  ctx.beginPath();
  switch (s.kind) {
    case 'points':
      for (const q of p) {
        ctx.moveTo(q.x - 6, q.y);
        ctx.lineTo(q.x + 6, q.y);
        ctx.moveTo(q.x, q.y - 6);
        ctx.lineTo(q.x, q.y + 6);
      }
      break;
    case 'polyline':
      p.forEach((q, i) => (i ? ctx.lineTo(q.x, q.y) : ctx.moveTo(q.x, q.y)));
      if (s.closed) ctx.closePath();
      break;
    case 'circle':
      ctx.arc(p[0]!.x, p[0]!.y, dist(p[0]!, p[1]!), 0, 2 * Math.PI);
      break;
    case 'ellipse': {
      const [a, b, c, d] = p as [XY, XY, XY, XY];
      const center = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      ctx.ellipse(
        center.x,
        center.y,
        dist(a, b) / 2,
        dist(c, d) / 2,
        Math.atan2(b.y - a.y, b.x - a.x),
        0,
        2 * Math.PI,
      );
      break;
    }
  }
  ctx.stroke();
}

/** Beside the right-most point of the shape. */
const labelAt = (p: XY[]): XY => {
  const right = p.reduce((a, b) => (b.x > a.x ? b : a));
  return { x: right.x + 10, y: right.y };
};

function textBox(ctx: CanvasRenderingContext2D, lines: string[], at: XY): void {
  ctx.setLineDash([]);
  ctx.font = '13px sans-serif';
  ctx.textBaseline = 'top';
  const w = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 8;
  const h = lines.length * 16 + 6;
  ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.fillRect(at.x, at.y, w, h);
  ctx.strokeStyle = SR_MARK_COLOR;
  ctx.lineWidth = 1;
  ctx.strokeRect(at.x, at.y, w, h);
  ctx.fillStyle = SR_MARK_COLOR;
  lines.forEach((l, i) => ctx.fillText(l, at.x + 4, at.y + 4 + i * 16));
}

declare global {
  interface Window {
    /** The open viewer's layer of marks from other systems (e2e tests read it). */
    __srMarks?: SrMarksLayer;
  }
}
