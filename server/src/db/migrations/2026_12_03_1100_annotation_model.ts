import type { Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * One annotation model (issue 13): imaging_annotations keeps `points` ([x, y] image pixels, JSON), `text` and
 * `measurements` (JSON, computed by the server) instead of opaque tool `data`. Two old shapes exist:
 * - the viewer's cornerstone-tools data: `handles.start/middle/end` (or `handles.points` for freehand), `text`;
 * - round marks: `points` [[x, y]...] and `label` (plus sync bookkeeping: syncId, seriesUid, imageIndex, stats).
 * Geometry and text carry over; measurements are left NULL so the server measures each row from its stored pixels
 * at first read (a migration cannot read blobs), with the same computation as every new mark. A row whose geometry
 * cannot be read keeps no points (it is listed, draws nothing and measures nothing).
 */
type XY = { x?: unknown; y?: unknown } | undefined;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const pair = (p: unknown): [number, number] | null => {
  if (Array.isArray(p)) return finite(p[0]) && finite(p[1]) ? [p[0], p[1]] : null;
  const q = p as XY;
  return q && finite(q.x) && finite(q.y) ? [q.x, q.y] : null;
};

export function convertOldAnnotation(
  tool: string,
  data: Record<string, unknown>,
): { points: [number, number][]; text: string | null } {
  const label = typeof data.text === 'string' ? data.text : typeof data.label === 'string' ? data.label : '';
  const text = label.trim() ? label.trim().slice(0, 200) : null;
  if (Array.isArray(data.points)) {
    const pts = data.points.map(pair);
    return { points: pts.every((p) => p) ? (pts as [number, number][]) : [], text };
  }
  const h = (data.handles ?? {}) as Record<string, unknown>;
  const named: unknown[] =
    tool === 'Angle'
      ? [h.start, h.middle, h.end]
      : tool === 'Probe'
        ? [h.end]
        : tool === 'FreehandRoi'
          ? Array.isArray(h.points)
            ? h.points
            : []
          : [h.start, h.end];
  const pts = named.map(pair);
  return { points: pts.length && pts.every((p) => p) ? (pts as [number, number][]) : [], text };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('imaging_annotations')
    .addColumn('points', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('text', 'text')
    .addColumn('measurements', 'text')
    .execute();
  const rows = (await db.selectFrom('imaging_annotations').select(['id', 'tool', 'data']).execute()) as {
    id: string;
    tool: string;
    data: string;
  }[];
  for (const r of rows) {
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(r.data) as Record<string, unknown>;
    } catch {
      // unreadable old data: no geometry
    }
    const { points, text } = convertOldAnnotation(r.tool, data ?? {});
    await db
      .updateTable('imaging_annotations')
      .set({ points: JSON.stringify(points), text })
      .where('id', '=', r.id)
      .execute();
  }
  await db.schema.alterTable('imaging_annotations').dropColumn('data').execute();
}

/** Back to opaque data in the round marks' old shape (points + label); measurements are dropped. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('imaging_annotations')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  const rows = (await db.selectFrom('imaging_annotations').select(['id', 'points', 'text']).execute()) as {
    id: string;
    points: string;
    text: string | null;
  }[];
  for (const r of rows)
    await db
      .updateTable('imaging_annotations')
      .set({ data: JSON.stringify({ points: JSON.parse(r.points) as unknown, label: r.text ?? undefined }) })
      .where('id', '=', r.id)
      .execute();
  await db.schema
    .alterTable('imaging_annotations')
    .dropColumn('points')
    .dropColumn('text')
    .dropColumn('measurements')
    .execute();
}
