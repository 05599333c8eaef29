import type { SeriesSummary, StudyDetail, SyncAnnotation, SyncViewport } from '@consult/shared';
import { cornerstone, cornerstoneTools } from '../viewer/cornerstone';
import { imageSeries, stackOf } from '../viewer/imageIds';
import type { ImageRef } from '../viewer/AnnotationSync';
import type { AnnotationEvent, ViewerController, ViewportState } from '../viewer/ViewerController';
import { fromWire, isSyncTool, toWire, type ToolData } from './annotations';
import type { SyncClient } from './SyncClient';

const SEND_INTERVAL_MS = 33; // ≤ 30 viewport updates per second
const DRAFT_INTERVAL_MS = 50;
const EDIT_DEBOUNCE_MS = 300;

type Stack = { series: SeriesSummary; refs: ImageRef[] };
type ToolStateMap = Record<string, Record<string, { data: ToolData[] }>>;

/**
 * Wires one ViewerController to a round's SyncClient:
 * - presenter: local viewport changes → `sync:viewport` (throttled, trailing update always sent);
 * - follower (attached): every viewport event → the viewer (latest wins while a slice loads);
 * - annotations: shared marks are placed in the viewer's tool state in their author's colour; the local user's
 *   drawing goes out as drafts, a finished mark is committed, edits/deletes carry the version they started from.
 */
export class ViewerBridge {
  #study: StudyDetail | null = null;
  #stack: Stack | null = null;
  #allRefs: (ImageRef & { seriesUid: string; imageIndex: number })[] = [];
  #off: (() => void)[] = [];
  #lastSent = 0;
  #sendTimer: ReturnType<typeof setTimeout> | null = null;
  #draftAt = new Map<string, number>();
  #editTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #applying = false;
  #wanted: SyncViewport | null = null;
  #closed = false;
  /** Called when the shown series changes (the panel highlights it). */
  onSeries: (seriesUid: string) => void = () => undefined;

  constructor(
    private readonly client: SyncClient,
    private readonly ctrl: ViewerController,
  ) {
    this.#off.push(ctrl.onChange((s) => this.#localChange(s)));
    this.#off.push(ctrl.onAnnotation((e) => this.#localAnnotation(e)));
    this.#off.push(
      client.onEvent((e) => {
        if (!e || e.op.type === 'viewport' || e.op.type === 'studyOpened') this.followNow();
        if (
          !e ||
          e.op.type === 'annotationUpserted' ||
          e.op.type === 'annotationDeleted' ||
          e.op.type === 'studyOpened'
        )
          this.reconcileMarks();
      }),
    );
  }

  get study(): StudyDetail | null {
    return this.#study;
  }
  get series(): SeriesSummary | null {
    return this.#stack?.series ?? null;
  }

  /** A study was loaded (the panel fetched it): show the presenter's series, or the first. */
  async setStudy(study: StudyDetail): Promise<void> {
    this.#study = study;
    this.#allRefs = imageSeries(study).flatMap((s) =>
      stackOf(study, s).map((r, i) => ({ ...r, seriesUid: s.seriesInstanceUid, imageIndex: i })),
    );
    const vp = this.client.state?.viewport;
    const seriesUid =
      vp?.studyUid === study.studyInstanceUid ? vp.seriesUid : imageSeries(study)[0]?.seriesInstanceUid;
    if (seriesUid) await this.showSeries(seriesUid, vp?.imageIndex ?? 0);
    this.reconcileMarks();
    this.followNow();
  }

  /** Show a series (locally; the presenter's change goes out with the next viewport update). */
  async showSeries(seriesUid: string, index = 0): Promise<void> {
    const series = this.#study && imageSeries(this.#study).find((s) => s.seriesInstanceUid === seriesUid);
    if (!series || !this.#study) return;
    const refs = stackOf(this.#study, series);
    this.#stack = { series, refs };
    await this.ctrl.loadStack(
      refs.map((r) => r.imageId),
      index,
    );
    this.onSeries(seriesUid);
    this.ctrl.redraw();
    if (this.client.isPresenter) this.#sendNow();
  }

  // ------------------------------------------------------------------ viewport

  #fitScale(): number {
    try {
      const image = cornerstone.getEnabledElement(this.ctrl.element).image;
      return image ? cornerstone.getDefaultViewportForImage(this.ctrl.element, image).scale : 1;
    } catch {
      return 1;
    }
  }

  #toWire(s: ViewportState): SyncViewport | null {
    if (!this.#study || !this.#stack) return null;
    return {
      studyUid: this.#study.studyInstanceUid,
      seriesUid: this.#stack.series.seriesInstanceUid,
      imageIndex: s.imageIndex,
      windowCenter: s.windowCenter,
      windowWidth: Math.max(1e-3, s.windowWidth),
      zoom: Math.max(1e-3, s.scale / this.#fitScale()),
      pan: [s.translation.x, s.translation.y],
      rotation: ((s.rotation % 360) + 360) % 360,
      flipHorizontal: s.hflip,
      flipVertical: s.vflip,
      invert: s.invert,
      // The rate the presenter's cine really runs at (the file's frame time), 10 when stopped.
      cine: {
        playing: this.ctrl.cinePlaying,
        fps: this.ctrl.cinePlaying ? Math.min(120, Math.max(1, this.ctrl.cineFps)) : 10,
      },
    };
  }

  #localChange(_s: ViewportState): void {
    if (!this.client.isPresenter || this.#applying) return;
    const wait = SEND_INTERVAL_MS - (Date.now() - this.#lastSent);
    if (wait <= 0) this.#sendNow();
    else if (!this.#sendTimer) this.#sendTimer = setTimeout(() => this.#sendNow(), wait);
  }

  #sendNow(): void {
    if (this.#sendTimer) clearTimeout(this.#sendTimer);
    this.#sendTimer = null;
    const s = this.ctrl.getState();
    const vp = s && this.#toWire(s);
    if (!vp || this.client.state?.studyUid !== vp.studyUid) return;
    this.#lastSent = Date.now();
    this.client.fire('viewport', { viewport: vp });
  }

  /** Attached followers jump to the presenter's view (also called on re-attach). */
  followNow(): void {
    const vp = this.client.state?.viewport;
    if (!vp || this.client.isPresenter || !this.client.getView().following) return;
    this.#wanted = vp;
    if (!this.#applying) void this.#applyLoop();
  }

  async #applyLoop(): Promise<void> {
    this.#applying = true;
    try {
      while (this.#wanted && !this.#closed) {
        const vp = this.#wanted;
        this.#wanted = null;
        if (!this.#study || vp.studyUid !== this.#study.studyInstanceUid) return; // the panel loads the study first
        if (this.#stack?.series.seriesInstanceUid !== vp.seriesUid)
          await this.showSeries(vp.seriesUid, vp.imageIndex);
        await this.ctrl.setState({
          imageIndex: vp.imageIndex,
          windowCenter: vp.windowCenter,
          windowWidth: vp.windowWidth,
          scale: vp.zoom * this.#fitScale(),
          translation: { x: vp.pan[0], y: vp.pan[1] },
          rotation: vp.rotation,
          hflip: vp.flipHorizontal,
          vflip: vp.flipVertical,
          invert: vp.invert,
        });
      }
    } finally {
      this.#applying = false;
    }
  }

  // ------------------------------------------------------------------ annotations

  #toolState(): ToolStateMap {
    return cornerstoneTools.globalImageIdSpecificToolStateManager.saveToolState() as ToolStateMap;
  }

  /** Make the viewer's marks match the shared state (add, move, remove); local marks being drawn stay. */
  reconcileMarks(): void {
    const state = this.client.state;
    if (!state || !this.#study) return;
    const ts = this.#toolState();
    const want = Object.values(state.annotations).filter(
      (a) => a.target.studyUid === this.#study!.studyInstanceUid,
    );
    const ids = new Set(want.map((a) => a.id));
    for (const byTool of Object.values(ts)) {
      for (const t of Object.values(byTool)) {
        t.data = t.data.filter((d) => !d._sync || ids.has(d._sync.id));
      }
    }
    for (const a of want) this.#place(a, ts);
    this.ctrl.redraw();
  }

  #place(a: SyncAnnotation, ts: ToolStateMap): void {
    const ref = this.#allRefs.find(
      (r) => r.sopInstanceUid === a.target.sopInstanceUid && r.frame === a.target.frame,
    );
    if (!ref) return;
    const byTool = (ts[ref.imageId] ??= {});
    const list = (byTool[a.tool] ??= { data: [] }).data;
    const cur = list.find((d) => d.uuid === a.id);
    if (!cur) {
      list.push(fromWire(a));
      return;
    }
    if (cur._sync && cur._sync.version >= a.version && !cur.active) {
      // Already shown at this version: keep the local object (handles may be mid-drag by its author).
      if (
        cur._sync.authorId === this.client.me?.userId ||
        JSON.stringify(toWire(a.tool, cur).points) === JSON.stringify(a.data.points)
      )
        return;
    }
    const fresh = fromWire(a);
    Object.assign(cur, {
      handles: fresh.handles,
      text: fresh.text,
      color: fresh.color,
      _sync: fresh._sync,
      invalidated: true,
    });
  }

  #refOf(imageId: string) {
    return this.#allRefs.find((r) => r.imageId === imageId) ?? null;
  }

  #localAnnotation(e: AnnotationEvent): void {
    if (!isSyncTool(e.toolName)) return;
    const d = e.data as ToolData;
    const id = d.uuid;
    const ref = this.#refOf(e.imageId);
    const me = this.client.me?.userId;
    if (!id || !ref || !me || !this.#study) return;
    const target = {
      studyUid: this.#study.studyInstanceUid,
      seriesUid: ref.seriesUid,
      sopInstanceUid: ref.sopInstanceUid,
      frame: ref.frame,
      imageIndex: ref.imageIndex,
    };
    const tool = e.toolName;

    if (!d._sync) {
      if (!this.client.canDraw) {
        if (e.type === 'added') this.reconcileMarksDropping(id);
        return;
      }
      if (e.type === 'modified') {
        const last = this.#draftAt.get(id) ?? 0;
        if (Date.now() - last < DRAFT_INTERVAL_MS) return;
        this.#draftAt.set(id, Date.now());
        this.client.fire('draft', { id, draft: { target, tool, data: toWire(tool, d) } });
      } else if (e.type === 'added') {
        this.#draftAt.delete(id);
        d.color = this.client.me?.color;
        d._sync = { id, version: 1, authorId: me };
        this.client
          .send('annotationCommit', {
            opId: `commit-${id}`,
            annotation: { id, target, tool, data: toWire(tool, d) },
          })
          .catch((err: Error) => {
            this.client.setError(err.message);
            this.reconcileMarksDropping(id);
          });
      } else {
        this.client.fire('draft', { id, draft: null });
      }
      return;
    }

    const mark = d._sync;
    if (mark.authorId !== me) {
      // Only the author changes a mark: put the shared copy back.
      this.#debounce(id, () => this.reconcileMarks());
      return;
    }
    if (e.type === 'removed') {
      this.client
        .send('annotationDelete', { opId: `delete-${id}-${mark.version}`, id, baseVersion: mark.version })
        .catch((err: Error) => {
          this.client.setError(err.message);
          this.reconcileMarks();
        });
      return;
    }
    this.#debounce(id, () => {
      const base = mark.version;
      this.client
        .send('annotationUpdate', {
          opId: `update-${id}-${base}`,
          id,
          baseVersion: base,
          data: toWire(tool, d),
        })
        .then((r) => {
          mark.version = Math.max(mark.version, r.version);
        })
        .catch((err: Error) => {
          // Lost a concurrent edit: show the winner's version.
          this.client.setError(err.message);
          mark.version = 0;
          this.reconcileMarks();
        });
    });
  }

  /** Drop a local mark that may not be shared (not allowed to draw, or refused). */
  reconcileMarksDropping(id: string): void {
    for (const byTool of Object.values(this.#toolState())) {
      for (const t of Object.values(byTool)) t.data = t.data.filter((d) => d.uuid !== id);
    }
    this.ctrl.redraw();
  }

  #debounce(id: string, fn: () => void): void {
    clearTimeout(this.#editTimers.get(id));
    this.#editTimers.set(
      id,
      setTimeout(() => {
        this.#editTimers.delete(id);
        fn();
      }, EDIT_DEBOUNCE_MS),
    );
  }

  /** Image pixel → position in the viewport element (for the overlay). */
  toCanvas(x: number, y: number): { x: number; y: number } | null {
    try {
      return cornerstone.pixelToCanvas(this.ctrl.element, { x, y } as never) as { x: number; y: number };
    } catch {
      return null;
    }
  }

  /** Page position → image pixel (laser pointer). */
  toPixel(pageX: number, pageY: number): { x: number; y: number } | null {
    try {
      return cornerstone.pageToPixel(this.ctrl.element, pageX, pageY) as { x: number; y: number };
    } catch {
      return null;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#sendTimer) clearTimeout(this.#sendTimer);
    for (const t of this.#editTimers.values()) clearTimeout(t);
    for (const off of this.#off) off();
  }
}
