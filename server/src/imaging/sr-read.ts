/**
 * Reading measurement reports made elsewhere (any SR IOD; TID 1500 / TID 1410 style): every SCOORD content item
 * becomes a read-only mark on the image it is SELECTED FROM — graphic type, points in image pixels, and the
 * measurement it belongs to (the NUM it is INFERRED FROM, or the NUMs of its measurement group), with the code
 * meanings as labels. The file is first transcoded to Explicit VR Little Endian so Implicit VR and Big Endian
 * reports read the same way.
 */
import type { DataSet } from 'dicom-parser';
import type { SrMark as StudySrMark } from '@consult/shared';
import type { Actor } from '../auth/actor';
import type { DB } from '../db/database';
import { parseDataSet, text } from './dicom';
import * as q from './queries';
import { visibleStudyOr404 } from './service';
import type { BlobStore } from './storage';
import { srOrigin, type SrOrigin } from './sr-origin';
import { toExplicitLittle, TranscodeError } from './transcode';
import { auditView } from './wado';

export interface SrMark {
  sopInstanceUid: string;
  /** 0-based frame (the viewer's convention); 0 for single-frame images. */
  frame: number;
  graphicType: string;
  points: { x: number; y: number }[];
  /** What is marked: the concept name(s) of the measurement(s), e.g. "Length". */
  label: string;
  values: { concept: string; value: number; unit: string }[];
}

const items = (ds: DataSet, tag: string): DataSet[] =>
  (ds.elements[tag]?.items ?? []).map((i) => i.dataSet).filter((d): d is DataSet => d !== undefined);

const meaning = (ds: DataSet) => {
  const c = items(ds, 'x0040a043')[0];
  return c ? text(c, 'x00080104', 'ISO_IR 192') || text(c, 'x00080100') : '';
};

function numValue(ds: DataSet): SrMark['values'][number] | null {
  const mv = items(ds, 'x0040a300')[0];
  if (!mv) return null;
  const value = Number(text(mv, 'x0040a30a'));
  if (!Number.isFinite(value)) return null;
  const unit = items(mv, 'x004008ea')[0];
  return { concept: meaning(ds), value, unit: unit ? text(unit, 'x00080100') : '' };
}

function floats(ds: DataSet, tag: string): number[] {
  const el = ds.elements[tag];
  if (!el) return [];
  return Array.from({ length: Math.floor(el.length / 4) }, (_x, i) => ds.float(tag, i) ?? NaN);
}

/** The image an item is selected from: its IMAGE child's referenced SOP instance and frame. */
function imageOf(ds: DataSet): { sop: string; frame: number } | null {
  for (const child of items(ds, 'x0040a730')) {
    if (text(child, 'x0040a040') !== 'IMAGE') continue;
    const ref = items(child, 'x00081199')[0];
    if (!ref) continue;
    const frame = Number.parseInt(text(ref, 'x00081160') || '1', 10);
    return { sop: text(ref, 'x00081155'), frame: Number.isFinite(frame) && frame > 0 ? frame - 1 : 0 };
  }
  return null;
}

function walk(ds: DataSet, parent: DataSet | null, siblings: DataSet[], out: SrMark[], depth: number) {
  if (depth > 50) return;
  if (text(ds, 'x0040a040') === 'SCOORD') {
    const image = imageOf(ds);
    const data = floats(ds, 'x00700022');
    if (image && data.length >= 2 && data.every(Number.isFinite)) {
      const nums =
        parent && text(parent, 'x0040a040') === 'NUM'
          ? [parent]
          : siblings.filter((s) => text(s, 'x0040a040') === 'NUM');
      const values = nums.map(numValue).filter((v): v is NonNullable<typeof v> => v !== null);
      out.push({
        sopInstanceUid: image.sop,
        frame: image.frame,
        graphicType: text(ds, 'x00700023'),
        points: Array.from({ length: data.length / 2 }, (_x, i) => ({
          x: data[2 * i]!,
          y: data[2 * i + 1]!,
        })),
        label: [...new Set(values.map((v) => v.concept))].join(', ') || meaning(ds),
        values,
      });
    }
  }
  const children = items(ds, 'x0040a730');
  for (const c of children) walk(c, ds, children, out, depth + 1);
}

/** The marks of one stored SR instance (no marks when it holds no spatial coordinates). */
export async function srMarks(file: Uint8Array): Promise<SrMark[]> {
  return (await srReport(file)).marks;
}

/** The marks of one stored SR instance and who made it when. */
export async function srReport(file: Uint8Array): Promise<{ marks: SrMark[]; origin: SrOrigin }> {
  const original = parseDataSet(file);
  const ds = parseDataSet(await toExplicitLittle(original, text(original, 'x00020010')));
  return { marks: marksOf(ds), origin: srOrigin(ds) };
}

function marksOf(ds: DataSet): SrMark[] {
  const out: SrMark[] = [];
  walk(ds, null, [], out, 0);
  // One mark per drawn shape: a SCOORD shared by several NUMs (TID 1500 repeats it) is kept once.
  const seen = new Set<string>();
  return out.filter((m) => {
    const key = `${m.sopInstanceUid}/${m.frame}/${m.graphicType}/${m.points.map((p) => `${p.x},${p.y}`).join(';')}`;
    if (seen.has(key)) {
      const first = out.find(
        (o) =>
          `${o.sopInstanceUid}/${o.frame}/${o.graphicType}/${o.points.map((p) => `${p.x},${p.y}`).join(';')}` ===
          key,
      )!;
      for (const v of m.values) if (!first.values.some((x) => x.concept === v.concept)) first.values.push(v);
      first.label = [...new Set(first.values.map((v) => v.concept))].join(', ') || first.label;
      return false;
    }
    seen.add(key);
    return true;
  });
}

/** SR Storage SOP classes (PS3.4 B.5: 1.2.840.10008.5.1.4.1.1.88.x). */
const SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.';

/** The marks of every SR document stored in a study the actor may view; an unreadable report adds none. */
export async function studySrMarks(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyId: string,
): Promise<StudySrMark[]> {
  const study = await visibleStudyOr404(db, actor, studyId);
  await auditView(db, actor, study.id, 'sr-marks');
  const reports = (await q.listInstances(db, study.id)).filter((r) => r.sop_class_uid.startsWith(SR_CLASS));
  const out: StudySrMark[] = [];
  for (const r of reports) {
    let report: Awaited<ReturnType<typeof srReport>>;
    try {
      report = await srReport(await store.read(r.sha256));
    } catch (err) {
      if (err instanceof TranscodeError || typeof err === 'string' || err instanceof RangeError) continue;
      throw err;
    }
    const { author, institution, date, ownExport } = report.origin;
    out.push(
      ...report.marks.map((m) => ({
        srSopInstanceUid: r.sop_uid,
        ...m,
        srAuthor: author,
        srInstitution: institution,
        srDate: date,
        srOwnExport: ownExport,
      })),
    );
  }
  return out;
}
