import fs from 'node:fs';
import {
  scoordOf,
  type AnnotationTool,
  type MeasurementKind,
  type MeasurementUnit,
  type SrExportResult,
} from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { badRequest } from '../errors';
import { newUid, part10, type Item } from './dicomwriter';
import { imageLibrary, srDocument, type SrImage } from './sr-document';
import { storeInstance } from './ingest';
import * as q from './queries';
import { visibleStudyOr404 } from './service';
import { annotationRows } from './annotation-queries';
import { measuredRows } from './annotations';
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
/** The model's units as UCUM codes (PS3.16 CID 7181/82, UCUM). */
const UNITS: Record<MeasurementUnit, Code> = {
  mm: ['mm', 'UCUM', 'millimeter'],
  mm2: ['mm2', 'UCUM', 'square millimeter'],
  deg: ['deg', 'UCUM', 'degree'],
  HU: ["[hnsf'U]", 'UCUM', 'Hounsfield unit'],
  px: ['{pixel}', 'UCUM', 'pixel'],
  px2: ['{pixel}2', 'UCUM', 'square pixel'],
  raw: ['1', 'UCUM', 'no units'],
};
const CONCEPTS: Record<MeasurementKind, Code> = {
  length: C.length,
  angle: C.angle,
  area: C.area,
  mean: C.mean,
  sd: C.sd,
  value: C.mean,
};

const rel = (type: string, valueType: string, concept: Code, extra: Item = {}): Item => ({
  '0040A010': ['CS', type],
  '0040A040': ['CS', valueType],
  '0040A043': ['SQ', [code(concept)]],
  ...extra,
});

/** A DS value: at most 16 characters (PS3.5 6.2). */
const dsValue = (v: number) => {
  for (let p = 12; p > 1; p--) {
    const t = String(Number(v.toPrecision(p)));
    if (t.length <= 16) return Number(t);
  }
  return Number(v.toPrecision(1));
};

/** Build the study's measurement report from its persisted annotations and store it back as an instance. */
export async function exportSr(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyId: string,
): Promise<SrExportResult> {
  const study = await visibleStudyOr404(db, actor, studyId, 'case:annotate');
  const anns = await measuredRows(
    db,
    store,
    await annotationRows(db)
      .where('a.study_ref', '=', study.id)
      .orderBy('a.created_at')
      .orderBy('a.id')
      .execute(),
  );
  if (anns.length === 0) throw badRequest('the study has no measurements to export');
  const groups: Item[] = [];
  const images = new Map<string, SrImage>();
  anns.forEach((a, k) => {
    const tool = a.tool as AnnotationTool;
    const graphic = scoordOf(tool, a.pointList);
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
    const scoord: Item[] = graphic
      ? [
          {
            ...rel('INFERRED FROM', 'SCOORD', C.finding),
            '00700023': ['CS', graphic.type],
            '00700022': ['FL', graphic.data],
            '0040A730': ['SQ', [imageRef]],
          },
        ]
      : [];
    for (const s of scoord) delete s['0040A043'];
    const items: Item[] = [
      rel('HAS OBS CONTEXT', 'TEXT', C.trackingId, { '0040A160': ['UT', `${a.tool} #${k + 1}`] }),
      rel('HAS OBS CONTEXT', 'UIDREF', C.trackingUid, { '0040A124': ['UI', newUid()] }),
      ...a.measured.map((v) =>
        rel('CONTAINS', 'NUM', CONCEPTS[v.kind], {
          '0040A300': [
            'SQ',
            [{ '0040A30A': ['DS', dsValue(v.value)], '004008EA': ['SQ', [code(UNITS[v.unit])]] }],
          ],
          '0040A730': ['SQ', scoord],
        }),
      ),
      ...(a.measured.length === 0
        ? [
            rel('CONTAINS', 'TEXT', C.finding, {
              '0040A160': ['UT', a.text ?? a.tool],
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
