import type { Annotation, AnnotationTool } from '@consult/shared';
import { ApiError } from '../../app/api';
import * as api from '../imaging/api';
import type { AnnotationEvent, ViewerController } from './ViewerController';
import { pointsOf, toolDataOf, type ToolData } from './marks';

/** Where an imageId points in the study. */
export interface ImageRef {
  imageId: string;
  sopInstanceUid: string;
  frame: number;
}

type Data = ToolData;

/** The model's geometry and text of a cornerstone mark. */
const shapeOf = (tool: AnnotationTool, d: Data) => ({
  points: pointsOf(tool, d),
  ...(typeof d.text === 'string' && d.text.trim() ? { text: d.text.trim().slice(0, 200) } : {}),
});

/**
 * Keeps the viewer's measurements and the server in step: restores them on load, creates on completion, saves
 * edits (debounced) with the version check, deletes on removal. Only the author's own edits are sent; a
 * conflict (409) or refusal reloads the server's copy.
 */
export class AnnotationSync {
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #pending = new Map<string, Promise<void>>();
  #unsub: () => void;
  onError: (message: string) => void = () => undefined;
  onChange: (count: number) => void = () => undefined;
  /** The server's annotations of the study, kept current (for the annotation list). */
  onList: (list: Annotation[]) => void = () => undefined;
  list: Annotation[] = [];
  count = 0;

  constructor(
    private readonly viewer: ViewerController,
    private readonly studyId: string,
    private readonly meId: string,
    private readonly refs: ImageRef[],
  ) {
    this.#unsub = viewer.onAnnotation((e) => void this.#handle(e));
  }

  async load(): Promise<void> {
    const list = await api.listAnnotations(this.studyId);
    this.viewer.clearAnnotations();
    for (const a of list) this.#restore(a);
    this.#setList(list);
    this.count = list.length;
    this.onChange(this.count);
    this.viewer.redraw();
  }

  #restore(a: Annotation): void {
    const ref = this.refs.find((r) => r.sopInstanceUid === a.sopInstanceUid && r.frame === a.frame);
    if (!ref) return;
    const data = toolDataOf(a.tool, a.points, a.text, {
      uuid: a.id,
      _server: { id: a.id, version: a.version, authorId: a.authorId },
    });
    this.viewer.restoreAnnotation(ref.imageId, a.tool, data);
  }

  async #handle(e: AnnotationEvent): Promise<void> {
    const data = e.data as Data;
    const ref = this.refs.find((r) => r.imageId === e.imageId);
    if (!ref) return;
    const key = String(data.uuid ?? '');
    const tool = e.toolName as AnnotationTool;
    if (e.type === 'added') {
      if (data._server) return;
      const p = api
        .createAnnotation(this.studyId, {
          sopInstanceUid: ref.sopInstanceUid,
          frame: ref.frame,
          tool,
          ...shapeOf(tool, data),
        })
        .then((a) => {
          data._server = { id: a.id, version: a.version, authorId: a.authorId };
          this.#setList([...this.list, a]);
          this.onChange(++this.count);
        })
        .catch((err: unknown) => this.onError(err instanceof Error ? err.message : String(err)));
      this.#pending.set(key, p);
      await p;
      this.#pending.delete(key);
      return;
    }
    await this.#pending.get(key);
    const mark = data._server;
    if (!mark) return;
    if (mark.authorId !== this.meId) {
      // Not ours: the server refuses edits; put its copy back.
      if (e.type === 'removed') await this.load();
      return;
    }
    if (e.type === 'removed') {
      try {
        await api.deleteAnnotation(mark.id, mark.version);
        this.#setList(this.list.filter((x) => x.id !== mark.id));
        this.onChange(--this.count);
      } catch (err) {
        this.onError(err instanceof Error ? err.message : String(err));
        await this.load();
      }
      return;
    }
    clearTimeout(this.#timers.get(key));
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        api
          .updateAnnotation(mark.id, shapeOf(tool, data), mark.version)
          .then((a) => {
            mark.version = a.version;
            this.#setList(this.list.map((x) => (x.id === a.id ? a : x)));
          })
          .catch(async (err: unknown) => {
            this.onError(
              err instanceof ApiError && err.status === 409
                ? 'conflict'
                : err instanceof Error
                  ? err.message
                  : String(err),
            );
            await this.load();
          });
      }, 400),
    );
  }

  #setList(list: Annotation[]): void {
    this.list = list;
    this.onList(list);
  }

  /** Delete one of my annotations (from the list panel): off the images, then on the server. */
  async remove(id: string): Promise<void> {
    const a = this.list.find((x) => x.id === id);
    if (!a || a.authorId !== this.meId) return;
    const state = this.viewer.allAnnotations();
    for (const byTool of Object.values(state)) {
      const entry = byTool[a.tool];
      const k = entry?.data.findIndex((d) => (d as Data)._server?.id === id) ?? -1;
      if (entry && k >= 0) entry.data.splice(k, 1);
    }
    this.viewer.redraw();
    const mark = this.list.find((x) => x.id === id)!;
    try {
      await api.deleteAnnotation(id, mark.version);
      this.#setList(this.list.filter((x) => x.id !== id));
      this.onChange(--this.count);
    } catch (err) {
      this.onError(err instanceof Error ? err.message : String(err));
      await this.load();
    }
  }

  /** Wait for saves in flight (e2e and tests read the server afterwards). */
  async flush(): Promise<void> {
    await Promise.all(this.#pending.values());
  }

  close(): void {
    this.#unsub();
    for (const t of this.#timers.values()) clearTimeout(t);
  }
}
