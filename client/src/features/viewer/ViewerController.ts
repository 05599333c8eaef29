import { cineRateOf, cornerstone, cornerstoneTools, initCornerstone, loadImage } from './cornerstone';
import { TOOLS } from './tools';
import { toolClass } from './markTools';
import { askText } from '../../app/prompt';

/** The arrow's text is asked in the app's own dialog (cornerstone's default is a browser prompt, in English). */
const ARROW_TEXT = {
  getTextCallback: (done: (text: string | undefined) => void) =>
    void askText({ titleKey: 'viewer.arrow.title', labelKey: 'viewer.arrow.label' }).then((v) =>
      done(v?.trim() || undefined),
    ),
  changeTextCallback: (
    data: { text?: string },
    _event: unknown,
    done: (text: string | undefined, remove?: boolean) => void,
  ) =>
    void askText({
      titleKey: 'viewer.arrow.edit',
      labelKey: 'viewer.arrow.label',
      initial: data.text ?? '',
    }).then((v) => (v === null ? done(data.text) : done(v.trim() || data.text))),
};

/** The viewport as issue 8 (synchronised viewing in rounds) reads and drives it. */
export interface ViewportState {
  imageIndex: number;
  windowWidth: number;
  windowCenter: number;
  scale: number;
  translation: { x: number; y: number };
  rotation: number;
  hflip: boolean;
  vflip: boolean;
  invert: boolean;
}

export type AnnotationEventType = 'added' | 'modified' | 'removed';
export interface AnnotationEvent {
  type: AnnotationEventType;
  toolName: string;
  imageId: string;
  data: Record<string, unknown>;
}

type Listener<T> = (v: T) => void;
/** A running cine: its rate and the timer of its next frame. */
interface CineRun {
  fps: number;
  timer?: ReturnType<typeof setTimeout>;
}
const EV = { rendered: 'cornerstoneimagerendered', newImage: 'cornerstonenewimage' };
const TEV = {
  completed: 'cornerstonetoolsmeasurementcompleted',
  modified: 'cornerstonetoolsmeasurementmodified',
  removed: 'cornerstonetoolsmeasurementremoved',
};

/**
 * Imperative viewer API over one cornerstone element: load a stack, read/write the viewport state, switch tools,
 * run commands, hear annotation changes. React only renders around it; rounds (issue 8) drive it remotely.
 */
export class ViewerController {
  readonly element: HTMLDivElement;
  #imageIds: string[] = [];
  #changeListeners = new Set<Listener<ViewportState>>();
  #annotationListeners = new Set<Listener<AnnotationEvent>>();
  #last = '';
  #cineListeners = new Set<Listener<boolean>>();
  #cine: CineRun | null = null;
  /** Bumped by every start and stop: a frame still loading for an earlier run is never shown. */
  #cineRun = 0;
  #closed = false;
  #activeTool = 'Wwwc';
  #unbind: (() => void)[] = [];

  constructor(element: HTMLDivElement) {
    initCornerstone();
    this.element = element;
    cornerstone.enable(element);
    for (const t of TOOLS)
      cornerstoneTools.addToolForElement(
        element,
        toolClass(t.tool),
        t.name === 'ArrowAnnotate' ? { configuration: ARROW_TEXT } : undefined,
      );
    cornerstoneTools.addToolForElement(element, cornerstoneTools.StackScrollMouseWheelTool);
    cornerstoneTools.addToolForElement(element, cornerstoneTools.ZoomMouseWheelTool);
    cornerstoneTools.setToolActiveForElement(element, 'StackScrollMouseWheel', {});
    cornerstoneTools.setToolActiveForElement(element, 'Pan', { mouseButtonMask: 4 });
    cornerstoneTools.setToolActiveForElement(element, 'Zoom', { mouseButtonMask: 2 });
    this.setActiveTool('Wwwc');
    const on = (name: string, fn: (e: Event) => void) => {
      element.addEventListener(name, fn);
      this.#unbind.push(() => element.removeEventListener(name, fn));
    };
    on(EV.rendered, () => this.#emitChange());
    on(TEV.completed, (e) => this.#emitAnnotation('added', e));
    on(TEV.modified, (e) => this.#emitAnnotation('modified', e));
    on(TEV.removed, (e) => this.#emitAnnotation('removed', e));
  }

  get imageIds(): readonly string[] {
    return this.#imageIds;
  }
  get activeTool(): string {
    return this.#activeTool;
  }
  get cinePlaying(): boolean {
    return this.#cine !== null;
  }
  /** Frames per second of the running cine (0 when stopped). */
  get cineFps(): number {
    return this.#cine?.fps ?? 0;
  }
  /** The imageId cornerstone has on screen (the frame actually displayed), null before the first image. */
  get displayedImageId(): string | null {
    return this.#displayedImage()?.imageId ?? null;
  }

  /** Show a stack (ordered imageIds), starting at `index`. */
  async loadStack(imageIds: string[], index = 0): Promise<void> {
    this.stopCine();
    this.#imageIds = imageIds;
    const i = Math.max(0, Math.min(index, imageIds.length - 1));
    const image = await loadImage(imageIds[i]!);
    if (this.#closed) return;
    cornerstone.displayImage(this.element, image);
    cornerstoneTools.clearToolState(this.element, 'stack');
    cornerstoneTools.addStackStateManager(this.element, ['stack']);
    cornerstoneTools.addToolState(this.element, 'stack', { imageIds, currentImageIdIndex: i });
    cornerstone.reset(this.element);
  }

  /** The current viewport, or null before the first image. */
  getState(): ViewportState | null {
    let vp: cornerstone.Viewport | undefined;
    try {
      vp = cornerstone.getViewport(this.element);
    } catch {
      return null;
    }
    if (!vp || !vp.voi) return null;
    const stack = cornerstoneTools.getToolState(this.element, 'stack')?.data?.[0];
    return {
      imageIndex: stack?.currentImageIdIndex ?? 0,
      windowWidth: vp.voi.windowWidth,
      windowCenter: vp.voi.windowCenter,
      scale: vp.scale ?? 1,
      translation: { x: vp.translation?.x ?? 0, y: vp.translation?.y ?? 0 },
      rotation: vp.rotation ?? 0,
      hflip: !!vp.hflip,
      vflip: !!vp.vflip,
      invert: !!vp.invert,
    };
  }

  /** Apply a (partial) viewport state; a different imageIndex scrolls the stack. */
  async setState(s: Partial<ViewportState>): Promise<void> {
    const cur = this.getState();
    if (!cur) return;
    if (s.imageIndex !== undefined && s.imageIndex !== cur.imageIndex) await this.scrollTo(s.imageIndex);
    const vp = cornerstone.getViewport(this.element);
    if (!vp) return;
    if (s.windowWidth !== undefined) vp.voi.windowWidth = s.windowWidth;
    if (s.windowCenter !== undefined) vp.voi.windowCenter = s.windowCenter;
    if (s.scale !== undefined) vp.scale = s.scale;
    if (s.translation) vp.translation = { ...s.translation };
    if (s.rotation !== undefined) vp.rotation = s.rotation;
    if (s.hflip !== undefined) vp.hflip = s.hflip;
    if (s.vflip !== undefined) vp.vflip = s.vflip;
    if (s.invert !== undefined) vp.invert = s.invert;
    cornerstone.setViewport(this.element, vp);
  }

  async scrollTo(index: number): Promise<void> {
    const i = Math.max(0, Math.min(index, this.#imageIds.length - 1));
    const done = new Promise<void>((resolve) => {
      const fn = () => {
        this.element.removeEventListener(EV.newImage, fn);
        resolve();
      };
      this.element.addEventListener(EV.newImage, fn);
      setTimeout(fn, 10_000);
    });
    const cur = this.getState()?.imageIndex;
    if (cur === i) return;
    // Not on the public surface in cornerstone-tools 6; reachable through importInternal.
    const scrollToIndex = cornerstoneTools.importInternal('util/scrollToIndex') as (
      el: HTMLElement,
      index: number,
    ) => void;
    scrollToIndex(this.element, i);
    await done;
  }

  onChange(fn: Listener<ViewportState>): () => void {
    this.#changeListeners.add(fn);
    return () => this.#changeListeners.delete(fn);
  }

  onAnnotation(fn: Listener<AnnotationEvent>): () => void {
    this.#annotationListeners.add(fn);
    return () => this.#annotationListeners.delete(fn);
  }

  setActiveTool(name: string): void {
    if (!TOOLS.some((t) => t.name === name)) throw new TypeError(`unknown tool ${name}`);
    for (const t of TOOLS) {
      if (t.name === name) continue;
      if (t.annotation) cornerstoneTools.setToolPassiveForElement(this.element, t.name);
    }
    cornerstoneTools.setToolActiveForElement(this.element, name, { mouseButtonMask: 1 });
    // Keep right/middle drags zooming and panning whatever the primary tool is.
    if (name !== 'Zoom')
      cornerstoneTools.setToolActiveForElement(this.element, 'Zoom', { mouseButtonMask: 2 });
    if (name !== 'Pan') cornerstoneTools.setToolActiveForElement(this.element, 'Pan', { mouseButtonMask: 4 });
    this.#activeTool = name;
  }

  /** Add persisted measurements to an image (no events fired, they are not new). */
  restoreAnnotation(imageId: string, toolName: string, data: Record<string, unknown>): void {
    cornerstoneTools.globalImageIdSpecificToolStateManager.addImageIdToolState(imageId, toolName, data);
  }

  /** Replace all measurements shown (after reloading them from the server). */
  clearAnnotations(): void {
    const mgr = cornerstoneTools.globalImageIdSpecificToolStateManager;
    mgr.restoreToolState({});
  }

  /** Every image's measurements (live objects: edits show on the next redraw). */
  allAnnotations(): Record<string, Record<string, { data: Record<string, unknown>[] }>> {
    // saveToolState() hands out the manager's live object.
    return cornerstoneTools.globalImageIdSpecificToolStateManager.saveToolState();
  }

  annotationsOf(imageId: string): Record<string, { data: Record<string, unknown>[] }> {
    return cornerstoneTools.globalImageIdSpecificToolStateManager.saveToolState()[imageId] ?? {};
  }

  redraw(): void {
    if (this.getState()) cornerstone.updateImage(this.element);
  }

  reset(): void {
    cornerstone.reset(this.element);
  }

  /**
   * Play the stack as a loop, at `fps` or else the rate the image asks for (Frame Time, Cine Rate, Recommended
   * Display Frame Rate; 10 fps when it names none). Each frame is loaded before the next is asked for, so a slow
   * decode never piles up requests, and once stopped no frame still in flight is shown.
   */
  playCine(fps?: number): void {
    if (this.#imageIds.length < 2 || this.#cine) return;
    const rate = Math.min(60, Math.max(1, fps ?? cineRateOf(this.#displayedImage()) ?? 10));
    const run = ++this.#cineRun;
    const cine: CineRun = { fps: rate };
    const step = async () => {
      const started = performance.now();
      const stack = cornerstoneTools.getToolState(this.element, 'stack')?.data?.[0] as
        { imageIds: string[]; currentImageIdIndex: number } | undefined;
      if (!stack) return this.stopCine();
      const next = (stack.currentImageIdIndex + 1) % stack.imageIds.length;
      try {
        const image = await loadImage(stack.imageIds[next]!);
        if (run !== this.#cineRun || this.#closed) return;
        stack.currentImageIdIndex = next;
        cornerstone.displayImage(this.element, image);
      } catch {
        if (run === this.#cineRun) this.stopCine();
        return;
      }
      cine.timer = setTimeout(() => void step(), Math.max(0, 1000 / rate - (performance.now() - started)));
    };
    cine.timer = setTimeout(() => void step(), 1000 / rate);
    this.#cine = cine;
    for (const fn of this.#cineListeners) fn(true);
  }

  stopCine(): void {
    if (!this.#cine) return;
    this.#cineRun++;
    clearTimeout(this.#cine.timer);
    this.#cine = null;
    for (const fn of this.#cineListeners) fn(false);
  }

  /** Hear cine start (true) and stop (false). */
  onCine(fn: Listener<boolean>): () => void {
    this.#cineListeners.add(fn);
    return () => this.#cineListeners.delete(fn);
  }

  resize(): void {
    cornerstone.resize(this.element, true);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopCine();
    for (const u of this.#unbind) u();
    this.#changeListeners.clear();
    this.#annotationListeners.clear();
    this.#cineListeners.clear();
    cornerstone.disable(this.element);
  }

  #displayedImage(): cornerstone.Image | undefined {
    try {
      return cornerstone.getEnabledElement(this.element).image;
    } catch {
      return undefined;
    }
  }

  #emitChange(): void {
    const s = this.getState();
    if (!s) return;
    const key = JSON.stringify(s);
    if (key === this.#last) return;
    this.#last = key;
    for (const fn of this.#changeListeners) fn(s);
  }

  #emitAnnotation(type: AnnotationEventType, e: Event): void {
    const d = (e as CustomEvent).detail as {
      toolName?: string;
      toolType?: string;
      measurementData?: Record<string, unknown>;
      element?: HTMLElement;
    };
    const toolName = d.toolName ?? d.toolType ?? '';
    if (!d.measurementData || !TOOLS.some((t) => t.annotation && t.name === toolName)) return;
    const imageId = cornerstone.getEnabledElement(this.element).image?.imageId ?? '';
    for (const fn of this.#annotationListeners) fn({ type, toolName, imageId, data: d.measurementData });
  }
}
