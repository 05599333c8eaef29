import {
  SYNC_TOOLS,
  type Measurement,
  type SyncAnnotation,
  type SyncAnnotationData,
  type SyncTool,
} from '@consult/shared';
import { pointsOf, toolDataOf, type MarkOwner, type ToolData } from '../viewer/marks';

/**
 * cornerstone-tools measurement data ↔ a round's mark, which is the one annotation model's shape (points in
 * image pixels, text, measurements). Shared marks carry `_sync` (id, version, author) in the viewer's tool state;
 * local marks being drawn do not.
 */
export type SyncMark = MarkOwner;
export type { ToolData };

export const isSyncTool = (name: string): name is SyncTool =>
  (SYNC_TOOLS as readonly string[]).includes(name);

/** What to send for a mark: its points and text, and the values the viewer showed (the store measures again). */
export function toWire(tool: SyncTool, d: ToolData): SyncAnnotationData {
  const measurements = Array.isArray(d.measurements) ? (d.measurements as Measurement[]).slice(0, 8) : [];
  return {
    points: pointsOf(tool, d),
    ...(typeof d.text === 'string' && d.text.trim() ? { text: d.text.trim().slice(0, 200) } : {}),
    ...(measurements.length ? { measurements } : {}),
  };
}

/** Tool state for a shared mark, drawn in its author's colour. */
export const fromWire = (a: SyncAnnotation): ToolData =>
  toolDataOf(a.tool, a.data.points, a.data.text, {
    color: a.color,
    uuid: a.id,
    _sync: { id: a.id, version: a.version, authorId: a.authorId },
  });

/** Same geometry (to skip needless redraws and echo loops). */
export const samePoints = (a: SyncAnnotationData, b: SyncAnnotationData) =>
  JSON.stringify(a.points) === JSON.stringify(b.points);
