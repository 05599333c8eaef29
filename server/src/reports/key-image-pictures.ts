/**
 * The pictures of a report's key images, for the printed report: each key image's frame rendered by the imaging
 * capability (its own window), with the marks named in the key image as vector shapes in image pixels and their
 * measurements as labels. A frame that cannot be rendered gets a note instead (the PDF says why).
 */
import type { ReportKeyImage } from '@consult/shared';
import type { Executor } from '../db/database';
import type { BlobStore } from '../imaging/storage';
import { headerOf, readFrame, trusted } from '../imaging/frames';
import { frameRow } from '../imaging/queries';
import { RenderError, renderFrame } from '../imaging/render';
import { DomainError } from '../errors';
import { measurementsOf } from '../imaging/sr';
import { keyImageInstance } from './key-images';

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

const SYMBOL: Record<string, string> = {
  millimeter: 'mm',
  'square millimeter': 'mm²',
  degree: '°',
  'Hounsfield unit': 'HU',
  pixel: 'px',
  'square pixel': 'px²',
};

/** The words before a region's mean and standard deviation, in the language the report is printed in. */
export const STAT_WORDS = {
  'zh-CN': { mean: '均值 ', sd: '标准差 ' },
  en: { mean: 'mean ', sd: 'SD ' },
} as const;
type StatWords = (typeof STAT_WORDS)[keyof typeof STAT_WORDS];

/** One annotation as a drawable mark with its measurements (as the DICOM SR export reads them). */
export function markOf(
  tool: string,
  data: Record<string, unknown>,
  modality: string,
  words: StatWords = STAT_WORDS.en,
): KeyImageMark | null {
  const m = measurementsOf(tool, data, modality);
  const label = [
    ...m.values.map((v) => {
      const unit = SYMBOL[v.unit[2]] ?? '';
      const what =
        v.concept[2] === 'Mean' ? words.mean : v.concept[2] === 'Standard Deviation' ? words.sd : '';
      return `${what}${v.value.toFixed(1)}${unit === '°' ? '' : ' '}${unit}`.trim();
    }),
    ...(m.text ? [m.text] : []),
  ].join(' · ');
  const h = (data.handles ?? {}) as { start?: Pt; end?: Pt };
  if (tool === 'ArrowAnnotate' && m.graphic && h.start && typeof h.start.x === 'number')
    return { shape: 'arrow', points: [m.graphic.points[0]!, { x: h.start.x, y: h.start.y }], label };
  if (!m.graphic) return null;
  const { type, points } = m.graphic;
  if (type === 'POINT') return { shape: 'point', points, label };
  if (type === 'ELLIPSE') return { shape: 'ellipse', points, label };
  const closed = points.length > 2 && points[0]!.x === points.at(-1)!.x && points[0]!.y === points.at(-1)!.y;
  return { shape: closed ? 'polygon' : 'line', points, label };
}

/** Pictures for each key image, in order; studies are looked up in the requesting hospital's archive. */
export async function keyImagePictures(
  db: Executor,
  store: BlobStore,
  consultationId: string,
  hospitalId: string,
  keyImages: ReportKeyImage[],
  lang: keyof typeof STAT_WORDS = 'zh-CN',
): Promise<KeyImagePicture[]> {
  const out: KeyImagePicture[] = [];
  for (const k of keyImages) {
    const inst = await keyImageInstance(db, consultationId, [hospitalId], k);
    if (!inst) {
      out.push({ image: null, marks: [], note: 'the instance is no longer linked to this consultation' });
      continue;
    }
    const annotations = k.annotationIds.length
      ? await db
          .selectFrom('imaging_annotations')
          .select(['id', 'tool', 'data'])
          .where('instance_ref', '=', inst.id)
          .where('frame', '=', k.frame - 1) // annotations count frames from 0, key images from 1 (DICOM)
          .where('id', 'in', k.annotationIds)
          .execute()
      : [];
    const marks = annotations
      .map((a) =>
        markOf(a.tool, JSON.parse(a.data) as Record<string, unknown>, inst.modality ?? '', STAT_WORDS[lang]),
      )
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
