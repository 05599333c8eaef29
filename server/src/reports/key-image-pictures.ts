/**
 * The pictures of a report's key images, for the printed report: each key image's frame rendered by the imaging
 * capability (its own window), with the marks named in the key image as vector shapes in image pixels and their
 * measurements as labels. A frame that cannot be rendered gets a note instead (the PDF says why).
 */
import {
  markLabel,
  shapeOf,
  type AnnotationTool,
  type ImagePoint,
  type MarkLang,
  type Measurement,
  type ReportKeyImage,
} from '@consult/shared';
import type { Executor } from '../db/database';
import type { BlobStore } from '../imaging/storage';
import { headerOf, readFrame, trusted } from '../imaging/frames';
import { frameRow } from '../imaging/queries';
import { RenderError, renderFrame } from '../imaging/render';
import { annotationRows } from '../imaging/annotation-queries';
import { measuredRows, toAnnotation } from '../imaging/annotations';
import { DomainError } from '../errors';
import { keyImageInstance } from './document-queries';

interface Pt {
  x: number;
  y: number;
}

export interface KeyImageMark {
  shape: 'line' | 'polygon' | 'ellipse' | 'point' | 'arrow';
  points: Pt[];
  label: string;
}

export interface KeyImagePicture {
  image: { contentType: 'image/png' | 'image/jpeg'; bytes: Uint8Array; width: number; height: number } | null;
  marks: KeyImageMark[];
  /** Why there is no picture (image null). */
  note: string | null;
}

/** One stored mark as a drawable shape, labelled by the model's formatter in the report's language. */
export function markOf(
  a: { tool: AnnotationTool; points: ImagePoint[]; measurements: Measurement[]; text: string | null },
  lang: MarkLang,
): KeyImageMark | null {
  const label = markLabel(a, lang);
  const s = shapeOf(a.tool, a.points);
  if (!s) return null;
  const P = ([x, y]: ImagePoint): Pt => ({ x, y });
  switch (s.kind) {
    case 'point':
      return { shape: 'point', points: [P(s.at)], label };
    case 'arrow':
      return { shape: 'arrow', points: [P(s.tail), P(s.head)], label };
    case 'ellipse':
      return {
        shape: 'ellipse',
        points: [
          { x: s.cx - s.rx, y: s.cy },
          { x: s.cx + s.rx, y: s.cy },
          { x: s.cx, y: s.cy - s.ry },
          { x: s.cx, y: s.cy + s.ry },
        ],
        label,
      };
    case 'polyline': {
      const pts = s.points.map(P);
      return s.closed
        ? { shape: 'polygon', points: [...pts, pts[0]!], label }
        : { shape: 'line', points: pts, label };
    }
  }
}

/** Pictures for each key image, in order; studies are looked up in the requesting hospital's archive. */
export async function keyImagePictures(
  db: Executor,
  store: BlobStore,
  consultationId: string,
  hospitalId: string,
  keyImages: ReportKeyImage[],
  lang: MarkLang = 'zh-CN',
): Promise<KeyImagePicture[]> {
  const out: KeyImagePicture[] = [];
  for (const k of keyImages) {
    const inst = await keyImageInstance(db, consultationId, [hospitalId], k);
    if (!inst) {
      out.push({ image: null, marks: [], note: 'the instance is no longer linked to this consultation' });
      continue;
    }
    const rows = k.annotationIds.length
      ? await annotationRows(db)
          .where('a.instance_ref', '=', inst.id)
          .where('a.frame', '=', k.frame - 1) // annotations count frames from 0, key images from 1 (DICOM)
          .where('a.id', 'in', k.annotationIds)
          .orderBy('a.created_at')
          .orderBy('a.id')
          .execute()
      : [];
    const marks = (await measuredRows(db, store, rows))
      .map((a) => markOf({ ...toAnnotation(a) }, lang))
      .filter((m): m is KeyImageMark => m !== null);
    try {
      // The header and the key image's frame by range, as the rendered resource reads them (never the blob).
      const row = await frameRow(db, inst.id);
      if (!row) throw new RenderError('the instance is no longer stored');
      const trustedRow = await trusted(db, store, row);
      const { bytes } = await readFrame(store, trustedRow, k.frame);
      const ds = await headerOf(store, trustedRow);
      const r = await renderFrame(ds, inst.transfer_syntax_uid, k.frame, {}, bytes);
      out.push({
        image: {
          contentType: r.contentType,
          bytes: new Uint8Array(r.bytes),
          width: r.width,
          height: r.height,
        },
        marks,
        note: null,
      });
    } catch (err) {
      const why =
        err instanceof RenderError || err instanceof DomainError
          ? err.message
          : 'the stored instance could not be read';
      out.push({ image: null, marks, note: why });
    }
  }
  return out;
}
