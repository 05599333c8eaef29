import fs from 'node:fs';
import type { SrExportResult } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { badRequest } from '../errors';
import { newUid, part10, type Item } from './dicomwriter';
import { imageLibrary, srDocument, type SrImage } from './sr-document';
import { storeInstance } from './ingest';
import * as q from './queries';
import { visibleStudyOr404 } from './service';
import { TempWriter, type BlobStore } from './storage';

/** Comprehensive SR Storage: TID 1500 with SCOORD needs it (Enhanced SR would also do). */
export const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';

type Code = [value: string, scheme: string, meaning: string];
const code = ([v, s, m]: Code): Item => ({
  '00080100': ['SH', v],
  '00080102': ['SH', s],
  '00080104': ['LO', m],
});
const C = {
  report: ['126000', 'DCM', 'Imaging Measurement Report'] as Code,
  language: ['121049', 'DCM', 'Language of Content Item and Descendants'] as Code,
  enUS: ['en-US', 'RFC5646', 'English (United States)'] as Code,
  observer: ['121008', 'DCM', 'Person Observer Name'] as Code,
  procedure: ['121058', 'DCM', 'Procedure reported'] as Code,
  imagingProcedure: ['363679005', 'SCT', 'Imaging procedure'] as Code,
  library: ['111028', 'DCM', 'Image Library'] as Code,
  measurements: ['126010', 'DCM', 'Imaging Measurements'] as Code,
  group: ['125007', 'DCM', 'Measurement Group'] as Code,
  trackingId: ['112039', 'DCM', 'Tracking Identifier'] as Code,
  trackingUid: ['112040', 'DCM', 'Tracking Unique Identifier'] as Code,
  finding: ['121071', 'DCM', 'Finding'] as Code,
  length: ['410668003', 'SCT', 'Length'] as Code,
  angle: ['1483009', 'SCT', 'Angle'] as Code,
  area: ['42798000', 'SCT', 'Area'] as Code,
  mean: ['373098007', 'SCT', 'Mean'] as Code,
  sd: ['386136009', 'SCT', 'Standard Deviation'] as Code,
};
const UNITS: Record<string, Code> = {
  mm: ['mm', 'UCUM', 'millimeter'],
  mm2: ['mm2', 'UCUM', 'square millimeter'],
  deg: ['deg', 'UCUM', 'degree'],
  HU: ["[hnsf'U]", 'UCUM', 'Hounsfield unit'],
  px: ['{pixel}', 'UCUM', 'pixel'],
  px2: ['{pixel}2', 'UCUM', 'square pixel'],
  none: ['1', 'UCUM', 'no units'],
};

interface Pt {
  x: number;
  y: number;
}
const pt = (v: unknown): Pt | null => {
  const p = v as { x?: unknown; y?: unknown } | null;
  return p && typeof p.x === 'number' && typeof p.y === 'number' ? { x: p.x, y: p.y } : null;
};
const numOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Measurements (concept, value, unit) and the graphic (type, points) of one cornerstone-tools annotation. */
export function measurementsOf(tool: string, data: Record<string, unknown>, modality: string) {
  const h = (data.handles ?? {}) as Record<string, unknown>;
  const stats = (data.cachedStats ?? data.meanStdDev ?? {}) as Record<string, unknown>;
  const mm = (data.unit as string | undefined) === 'pixels' ? 'px' : 'mm';
  const intensity = modality === 'CT' ? 'HU' : 'none';
  const out: { concept: Code; value: number; unit: Code }[] = [];
  const push = (concept: Code, v: unknown, unit: string) => {
    const n = numOf(v);
    if (n !== null) out.push({ concept, value: n, unit: UNITS[unit]! });
  };
  let graphic: { type: string; points: Pt[] } | null = null;
  const start = pt(h.start);
  const end = pt(h.end);
  switch (tool) {
    case 'Length':
      push(C.length, data.length, mm);
      if (start && end) graphic = { type: 'POLYLINE', points: [start, end] };
      break;
    case 'Angle': {
      push(C.angle, data.rAngle, 'deg');
      const mid = pt(h.middle);
      if (start && mid && end) graphic = { type: 'POLYLINE', points: [start, mid, end] };
      break;
    }
    case 'Probe':
      push(C.mean, stats.mo ?? (data as { value?: unknown }).value, intensity);
      if (end) graphic = { type: 'POINT', points: [end] };
      break;
    case 'EllipticalRoi':
    case 'RectangleRoi':
      push(C.area, stats.area, mm === 'mm' ? 'mm2' : 'px2');
      push(C.mean, stats.mean, intensity);
      push(C.sd, stats.stdDev, intensity);
      if (start && end) {
        graphic =
          tool === 'RectangleRoi'
            ? {
                type: 'POLYLINE',
                points: [start, { x: end.x, y: start.y }, end, { x: start.x, y: end.y }, start],
              }
            : { type: 'ELLIPSE', points: ellipseAxes(start, end) };
      }
      break;
    case 'FreehandRoi': {
      push(C.area, data.area, mm === 'mm' ? 'mm2' : 'px2');
      push(C.mean, stats.mean, intensity);
      push(C.sd, stats.stdDev, intensity);
      const pts = (Array.isArray(h.points) ? h.points : []).map(pt).filter((p): p is Pt => p !== null);
      if (pts.length >= 3) graphic = { type: 'POLYLINE', points: [...pts, pts[0]!] };
      break;
    }
    case 'ArrowAnnotate':
      if (end) graphic = { type: 'POINT', points: [end] };
      break;
  }
  return { values: out, graphic, text: typeof data.text === 'string' ? data.text : null };
}

function ellipseAxes(a: Pt, b: Pt): Pt[] {
  const cx = (a.x + b.x) / 2;
  const cy = (a.y + b.y) / 2;
  const rx = Math.abs(b.x - a.x) / 2;
  const ry = Math.abs(b.y - a.y) / 2;
  return [
    { x: cx - rx, y: cy },
    { x: cx + rx, y: cy },
    { x: cx, y: cy - ry },
    { x: cx, y: cy + ry },
  ];
}

const rel = (type: string, valueType: string, concept: Code, extra: Item = {}): Item => ({
  '0040A010': ['CS', type],
  '0040A040': ['CS', valueType],
  '0040A043': ['SQ', [code(concept)]],
  ...extra,
});

/** Build the study's measurement report from its persisted annotations and store it back as an instance. */
export async function exportSr(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyId: string,
): Promise<SrExportResult> {
  const study = await visibleStudyOr404(db, actor, studyId, 'case:annotate');
  const anns = await db
    .selectFrom('imaging_annotations as a')
    .innerJoin('imaging_instances as i', 'i.id', 'a.instance_ref')
    .innerJoin('imaging_series as se', 'se.id', 'i.series_ref')
    .select([
      'a.id',
      'a.tool',
      'a.data',
      'a.frame',
      'i.sop_uid',
      'i.sop_class_uid',
      'i.frames',
      'se.series_uid',
      'se.modality',
    ])
    .where('a.study_ref', '=', study.id)
    .orderBy('a.created_at')
    .execute();
  if (anns.length === 0) throw badRequest('the study has no measurements to export');
  const groups: Item[] = [];
  const images = new Map<string, SrImage>();
  anns.forEach((a, k) => {
    const m = measurementsOf(a.tool, JSON.parse(a.data) as Record<string, unknown>, a.modality);
    images.set(a.sop_uid, {
      sopClass: a.sop_class_uid,
      sop: a.sop_uid,
      series: a.series_uid,
      modality: a.modality,
    });
    const imageRef: Item = rel('SELECTED FROM', 'IMAGE', C.library, {
      '00081199': [
        'SQ',
        [
          {
            '00081150': ['UI', a.sop_class_uid],
            '00081155': ['UI', a.sop_uid],
            ...(a.frames > 1 ? { '00081160': ['IS', a.frame + 1] } : {}),
          },
        ],
      ],
    });
    delete imageRef['0040A043'];
    const scoord: Item[] = m.graphic
      ? [
          {
            ...rel('INFERRED FROM', 'SCOORD', C.finding),
            '00700023': ['CS', m.graphic.type],
            '00700022': ['FL', m.graphic.points.flatMap((p) => [p.x, p.y])],
            '0040A730': ['SQ', [imageRef]],
          },
        ]
      : [];
    for (const s of scoord) delete s['0040A043'];
    const items: Item[] = [
      rel('HAS OBS CONTEXT', 'TEXT', C.trackingId, { '0040A160': ['UT', `${a.tool} #${k + 1}`] }),
      rel('HAS OBS CONTEXT', 'UIDREF', C.trackingUid, { '0040A124': ['UI', newUid()] }),
      ...m.values.map((v) =>
        rel('CONTAINS', 'NUM', v.concept, {
          '0040A300': [
            'SQ',
            [{ '0040A30A': ['DS', Number(v.value.toPrecision(12))], '004008EA': ['SQ', [code(v.unit)]] }],
          ],
          '0040A730': ['SQ', scoord],
        }),
      ),
      ...(m.values.length === 0
        ? [
            rel('CONTAINS', 'TEXT', C.finding, {
              '0040A160': ['UT', m.text ?? a.tool],
              '0040A730': ['SQ', scoord],
            }),
          ]
        : []),
    ];
    groups.push(
      rel('CONTAINS', 'CONTAINER', C.group, { '0040A050': ['CS', 'SEPARATE'], '0040A730': ['SQ', items] }),
    );
  });
  const sop = newUid();
  const series = newUid();
  const ds = srDocument({
    sopClass: COMPREHENSIVE_SR,
    sop,
    series,
    seriesNumber: 9000 + ((await q.listSeries(db, study.id)).length % 999),
    study,
    images: [...images.values()],
    now: new Date(),
    content: [
      rel('HAS CONCEPT MOD', 'CODE', C.language, { '0040A168': ['SQ', [code(C.enUS)]] }),
      rel('HAS OBS CONTEXT', 'PNAME', C.observer, {
        '0040A123': ['PN', actor.displayName.replace(/[\\^=]/g, ' ')],
      }),
      rel('HAS CONCEPT MOD', 'CODE', C.procedure, { '0040A168': ['SQ', [code(C.imagingProcedure)]] }),
      imageLibrary([...images.values()]),
      rel('CONTAINS', 'CONTAINER', C.measurements, {
        '0040A050': ['CS', 'SEPARATE'],
        '0040A730': ['SQ', groups],
      }),
    ],
  });
  const bytes = part10(ds, COMPREHENSIVE_SR, sop);
  const w = new TempWriter(store);
  await w.write(bytes);
  const sha256 = await w.finish();
  await fs.promises.access(w.path);
  const r = await storeInstance(
    db,
    store,
    actor,
    { tempPath: w.path, sha256, size: w.size },
    { hospitalId: study.hospital_id, expectStudyUid: study.study_uid },
  );
  if (r.status !== 'stored') throw badRequest(`the SR could not be stored: ${r.reason ?? r.status}`);
  return { sopInstanceUid: sop, seriesInstanceUid: series, measurements: groups.length };
}
