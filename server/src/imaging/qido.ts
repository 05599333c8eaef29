import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { badRequest } from '../errors';
import { num, str, type JsonDataSet } from './dicomjson';
import * as q from './queries';

/** QIDO query parameters as received: keyword or tag keys, values possibly repeated. */
export type QidoQuery = Record<string, string | string[] | undefined>;

const KEYWORDS: Record<string, string> = {
  patientname: '00100010',
  patientid: '00100020',
  studydate: '00080020',
  accessionnumber: '00080050',
  studyinstanceuid: '0020000D',
  modalitiesinstudy: '00080061',
  studydescription: '00081030',
  seriesinstanceuid: '0020000E',
  modality: '00080060',
  seriesnumber: '00200011',
  sopinstanceuid: '00080018',
  sopclassuid: '00080016',
  instancenumber: '00200013',
};

/** Normalise parameter names to upper-case hex tags; `limit`, `offset`, `includefield`, `fuzzymatching` kept. */
export function normalise(query: QidoQuery): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const vals = Array.isArray(raw) ? raw : [raw];
    const lk = k.toLowerCase();
    const key = ['limit', 'offset', 'includefield', 'fuzzymatching'].includes(lk)
      ? lk
      : (KEYWORDS[lk] ?? (/^[0-9a-f]{8}$/i.test(k) ? k.toUpperCase() : k));
    out.set(key, [...(out.get(key) ?? []), ...vals]);
  }
  return out;
}

const one = (m: Map<string, string[]>, tag: string) => {
  const v = m.get(tag);
  return v && v.length ? v[v.length - 1] : undefined;
};
/** UID list matching: repeated params, commas or backslashes. */
const list = (m: Map<string, string[]>, tag: string) => {
  const v = m.get(tag);
  if (!v) return undefined;
  const items = v
    .flatMap((x) => x.split(/[\\,]/))
    .map((x) => x.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};

export function paging(m: Map<string, string[]>): { limit: number; offset: number } {
  const limit = one(m, 'limit') === undefined ? 100 : Number(one(m, 'limit'));
  const offset = one(m, 'offset') === undefined ? 0 : Number(one(m, 'offset'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw badRequest('limit must be an integer from 1 to 1000', '/query/limit');
  if (!Number.isInteger(offset) || offset < 0)
    throw badRequest('offset must be a non-negative integer', '/query/offset');
  return { limit, offset };
}

/** StudyDate: `YYYYMMDD`, `A-B`, `A-`, `-B` (dashes in dates tolerated). */
export function dateRange(v: string | undefined): { from?: string; to?: string } {
  if (!v) return {};
  const d = (s: string) => {
    const x = s.replace(/[-.]/g, '').trim();
    if (x && !/^\d{8}$/.test(x))
      throw badRequest(
        `StudyDate "${v}" is not a date or date range (YYYYMMDD-YYYYMMDD)`,
        '/query/StudyDate',
      );
    return x || undefined;
  };
  const m = /^(\d{4}-?\d{2}-?\d{2})?-(\d{4}-?\d{2}-?\d{2})?$/.exec(v.replace(/\s/g, ''));
  if (v.includes('-') && m) {
    const from = m[1] ? d(m[1]) : undefined;
    const to = m[2] ? d(m[2]) : undefined;
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
  const exact = d(v);
  return exact ? { from: exact, to: exact } : {};
}

export function studyFilter(m: Map<string, string[]>): q.StudyFilter {
  const range = dateRange(one(m, '00080020'));
  return {
    patientName: one(m, '00100010'),
    patientId: one(m, '00100020'),
    accessionNumber: one(m, '00080050'),
    studyDescription: one(m, '00081030'),
    studyDateFrom: range.from,
    studyDateTo: range.to,
    studyUids: list(m, '0020000D'),
    modalities: list(m, '00080061') ?? list(m, '00080060'),
  };
}

export const seriesFilter = (m: Map<string, string[]>): q.SeriesFilter => ({
  seriesUid: one(m, '0020000E'),
  modality: one(m, '00080060'),
  seriesNumber: one(m, '00200011') === undefined ? undefined : Number(one(m, '00200011')),
});

export const instanceFilter = (m: Map<string, string[]>): q.InstanceFilter => ({
  seriesUid: one(m, '0020000E'),
  sopInstanceUid: one(m, '00080018'),
  sopClassUid: one(m, '00080016'),
  instanceNumber: one(m, '00200013') === undefined ? undefined : Number(one(m, '00200013')),
});

export function studyJson(r: q.StudyRow, base: string): JsonDataSet {
  return {
    '00080005': str('CS', 'ISO_IR 192'),
    '00080020': str('DA', r.study_date),
    '00080030': str('TM', r.study_time),
    '00080050': str('SH', r.accession_number),
    '00080061': str('CS', r.modalities ?? ''),
    '00080090': str('PN', r.referring_physician),
    '00081030': str('LO', r.study_description),
    '00081190': str('UR', `${base}/studies/${r.study_uid}`),
    '00100010': str('PN', r.patient_name),
    '00100020': str('LO', r.patient_id),
    '00100030': str('DA', r.birth_date),
    '00100040': str('CS', r.sex),
    '0020000D': str('UI', r.study_uid),
    '00200010': str('SH', r.study_id),
    '00201206': num('IS', Number(r.num_series ?? 0)),
    '00201208': num('IS', Number(r.num_instances ?? 0)),
  };
}

export function seriesJson(
  studyUid: string,
  r: Awaited<ReturnType<typeof q.listSeries>>[number],
  base: string,
): JsonDataSet {
  return {
    '00080060': str('CS', r.modality),
    '0008103E': str('LO', r.series_description),
    '00081190': str('UR', `${base}/studies/${studyUid}/series/${r.series_uid}`),
    '00180015': str('CS', r.body_part),
    '0020000D': str('UI', studyUid),
    '0020000E': str('UI', r.series_uid),
    '00200011': num('IS', r.series_number),
    '00201209': num('IS', Number(r.num_instances ?? 0)),
  };
}

export function instanceJson(studyUid: string, r: q.InstanceRow, base: string): JsonDataSet {
  return {
    '00080016': str('UI', r.sop_class_uid),
    '00080018': str('UI', r.sop_uid),
    '00080060': str('CS', r.modality),
    '00081190': str('UR', `${base}/studies/${studyUid}/series/${r.series_uid}/instances/${r.sop_uid}`),
    '00083002': str('UI', r.transfer_syntax_uid),
    '0020000D': str('UI', studyUid),
    '0020000E': str('UI', r.series_uid),
    '00200013': num('IS', r.instance_number),
    '00280008': num('IS', r.frames),
    '00280010': num('US', r.rows),
    '00280011': num('US', r.columns),
    '00280100': num('US', r.bits_allocated),
  };
}

/** Studies matching the query, scoped to the actor. */
export async function qidoStudies(db: DB, actor: Actor, query: QidoQuery, base: string) {
  const m = normalise(query);
  const { limit, offset } = paging(m);
  const rows = await q.searchStudies(db, actor, studyFilter(m), limit, offset);
  return rows.map((r) => studyJson(r, base));
}

/** Series of one study, or (flat form) of every visible study matching the study-level keys. */
export async function qidoSeries(
  db: DB,
  actor: Actor,
  studyUid: string | null,
  query: QidoQuery,
  base: string,
) {
  const m = normalise(query);
  const { limit, offset } = paging(m);
  const studies = studyUid
    ? await q.findStudies(db, actor, studyUid)
    : await q.searchStudies(db, actor, { ...studyFilter(m), seriesUid: one(m, '0020000E') }, 1000, 0);
  const out: JsonDataSet[] = [];
  for (const s of studies) {
    for (const se of await q.listSeries(db, s.id, seriesFilter(m)))
      out.push(seriesJson(s.study_uid, se, base));
  }
  return out.slice(offset, offset + limit);
}

export async function qidoInstances(
  db: DB,
  actor: Actor,
  studyUid: string | null,
  seriesUid: string | null,
  query: QidoQuery,
  base: string,
) {
  const m = normalise(query);
  const { limit, offset } = paging(m);
  const studies = studyUid
    ? await q.findStudies(db, actor, studyUid)
    : await q.searchStudies(
        db,
        actor,
        { ...studyFilter(m), seriesUid: seriesUid ?? one(m, '0020000E'), sopInstanceUid: one(m, '00080018') },
        1000,
        0,
      );
  const f = { ...instanceFilter(m), ...(seriesUid ? { seriesUid } : {}) };
  const out: JsonDataSet[] = [];
  for (const s of studies) {
    for (const i of await q.listInstances(db, s.id, f)) out.push(instanceJson(s.study_uid, i, base));
  }
  return out.slice(offset, offset + limit);
}
