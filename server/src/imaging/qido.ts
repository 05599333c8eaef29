import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { badRequest } from '../errors';
import { num, str, type JsonDataSet } from './dicomjson';
import { instanceHeader } from './header';
import * as q from './queries';
import {
  assemble,
  DEFAULTS,
  fieldRequest,
  needsHeader,
  resolveTag,
  type FieldRequest,
  type Level,
} from './qidofields';
import type { BlobStore } from './storage';

/** QIDO query parameters as received: keyword or tag keys, values possibly repeated. */
export type QidoQuery = Record<string, string | string[] | undefined>;

const RESERVED = ['limit', 'offset', 'includefield', 'fuzzymatching'];

/** What a QIDO search answers: the page, how many more match (null: more, count unknown), warnings. */
export interface QidoResult {
  results: JsonDataSet[];
  remaining: number | null;
  /** Query keys given but not used for matching (as the client spelled them); they earn a Warning header. */
  ignored: string[];
}

/** The matching keys each search resource uses (PS3.18 §10.6.1.2.1; everything else is ignored with a warning). */
const STUDY_KEYS = [
  '00100010',
  '00100020',
  '00080050',
  '00081030',
  '00080020',
  '0020000D',
  '00080061',
  '00080060',
];
const SERIES_KEYS = ['0020000E', '00080060', '00200011'];
const INSTANCE_KEYS = ['0020000E', '00080018', '00080016', '00200013'];
type Resource = 'studies' | 'series' | 'study-series' | 'instances' | 'study-instances' | 'series-instances';
const KEYS: Record<Resource, string[]> = {
  studies: STUDY_KEYS,
  series: [...STUDY_KEYS, ...SERIES_KEYS],
  'study-series': ['0020000D', ...SERIES_KEYS],
  instances: [...STUDY_KEYS, ...INSTANCE_KEYS],
  'study-instances': ['0020000D', ...INSTANCE_KEYS],
  'series-instances': ['0020000D', '0020000E', ...INSTANCE_KEYS.slice(1)],
};

/** The query keys (as given) that this resource does not match on. */
export function ignoredKeys(query: QidoQuery, resource: Resource): string[] {
  return Object.keys(query).filter((k) => {
    if (RESERVED.includes(k.toLowerCase())) return false;
    const tag = resolveTag(k);
    return !tag || !KEYS[resource].includes(tag);
  });
}

/** `fuzzymatching=true|false` (absent: false). */
export function fuzzy(m: Map<string, string[]>): boolean {
  const v = one(m, 'fuzzymatching');
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest('fuzzymatching must be true or false', '/query/fuzzymatching');
}

/**
 * Normalise parameter names to upper-case hex tags (keywords through the data dictionary); `limit`, `offset`,
 * `includefield`, `fuzzymatching` kept; other names passed through.
 */
export function normalise(query: QidoQuery): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const vals = Array.isArray(raw) ? raw : [raw];
    const lk = k.toLowerCase();
    const key = RESERVED.includes(lk) ? lk : (resolveTag(k) ?? k);
    out.set(key, [...(out.get(key) ?? []), ...vals]);
  }
  return out;
}

/** What the results carry beyond their required attributes: `includefield` and the matching keys. */
export const fieldsOf = (m: Map<string, string[]>): FieldRequest =>
  fieldRequest(
    m.get('includefield') ?? [],
    [...m.keys()].filter((k) => /^[0-9A-F]{8}$/.test(k)),
  );

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
    fuzzyNames: fuzzy(m),
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

/** Every attribute the index holds for a study (its Patient and Study attributes). */
export function studyJson(r: q.StudyRow, base: string): JsonDataSet {
  return {
    '00080005': str('CS', 'ISO_IR 192'),
    '00080020': str('DA', r.study_date),
    '00080030': str('TM', r.study_time),
    '00080050': str('SH', r.accession_number),
    '00080056': str('CS', 'ONLINE'),
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

/** Every attribute the index holds for a series. */
export function seriesJson(studyUid: string, r: q.SeriesRow, base: string): JsonDataSet {
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

/** Every attribute the index holds for an instance. */
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

/** One result before assembly: what the index says, and how to find the instance that speaks for it. */
interface Candidate {
  indexed: JsonDataSet;
  /** Study or series id (its representative instance is looked up), or an instance's own blob hash. */
  ref: string;
}

/**
 * Assemble the page of results. The stored blob of a representative instance (one per result, its header only)
 * is read only for results that want an attribute the index lacks, and never for the default attribute set.
 */
async function assembleAll(
  store: BlobStore,
  level: Level,
  defaults: string[],
  req: FieldRequest,
  page: Candidate[],
  blobsOf: (refs: string[]) => Promise<Map<string, string>>,
): Promise<JsonDataSet[]> {
  const need = page.filter((c) => needsHeader(level, defaults, req, c.indexed));
  const blobs = need.length ? await blobsOf(need.map((c) => c.ref)) : new Map<string, string>();
  const out: JsonDataSet[] = [];
  for (const c of page) {
    const sha = blobs.get(c.ref);
    const header = sha ? await instanceHeader(store, sha) : null;
    out.push(assemble(level, defaults, req, c.indexed, header));
  }
  return out;
}

/** Studies matching the query, scoped to the actor. */
export async function qidoStudies(
  db: DB,
  store: BlobStore,
  actor: Actor,
  query: QidoQuery,
  base: string,
): Promise<QidoResult> {
  const m = normalise(query);
  const { limit, offset } = paging(m);
  const req = fieldsOf(m);
  // One row beyond the page tells whether more match (the count itself would cost a second query).
  const rows = await q.searchStudies(db, actor, studyFilter(m), limit + 1, offset);
  const page = rows.slice(0, limit).map((r) => ({ indexed: studyJson(r, base), ref: r.id }));
  const results = await assembleAll(store, 'study', DEFAULTS.study, req, page, (refs) =>
    q.representativeBlobs(db, 'study', refs),
  );
  return { results, remaining: rows.length > limit ? null : 0, ignored: ignoredKeys(query, 'studies') };
}

/** Series of one study, or (flat form) of every visible study matching the study-level keys. */
export async function qidoSeries(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyUid: string | null,
  query: QidoQuery,
  base: string,
): Promise<QidoResult> {
  const m = normalise(query);
  const { limit, offset } = paging(m);
  const req = fieldsOf(m);
  const studies = studyUid
    ? await q.findStudies(db, actor, studyUid)
    : await q.searchStudies(db, actor, { ...studyFilter(m), seriesUid: one(m, '0020000E') }, 1000, 0);
  const all: Candidate[] = [];
  for (const s of studies) {
    const study = studyJson(s, base);
    for (const se of await q.listSeries(db, s.id, seriesFilter(m)))
      all.push({ indexed: { ...study, ...seriesJson(s.study_uid, se, base) }, ref: se.id });
  }
  // All Series also carries the study attributes (PS3.18 §10.6.3.3.2).
  const defaults = studyUid ? DEFAULTS.series : [...DEFAULTS.study, ...DEFAULTS.series];
  const results = await assembleAll(
    store,
    'series',
    defaults,
    req,
    all.slice(offset, offset + limit),
    (refs) => q.representativeBlobs(db, 'series', refs),
  );
  return {
    results,
    remaining: Math.max(0, all.length - offset - limit),
    ignored: ignoredKeys(query, studyUid ? 'study-series' : 'series'),
  };
}

export async function qidoInstances(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyUid: string | null,
  seriesUid: string | null,
  query: QidoQuery,
  base: string,
): Promise<QidoResult> {
  const m = normalise(query);
  const { limit, offset } = paging(m);
  const req = fieldsOf(m);
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
  const all: Candidate[] = [];
  for (const s of studies) {
    const instances = await q.listInstances(db, s.id, f);
    if (!instances.length) continue;
    const study = studyJson(s, base);
    const series = new Map((await q.listSeries(db, s.id)).map((se) => [se.id, se]));
    for (const i of instances) {
      const se = series.get(i.series_ref)!;
      all.push({
        indexed: { ...study, ...seriesJson(s.study_uid, se, base), ...instanceJson(s.study_uid, i, base) },
        ref: i.sha256,
      });
    }
  }
  // A study's instances carry the series attributes, All Instances the study ones too (PS3.18 §10.6.3.3.3).
  const defaults = seriesUid
    ? DEFAULTS.instance
    : studyUid
      ? [...DEFAULTS.series, ...DEFAULTS.instance]
      : [...DEFAULTS.study, ...DEFAULTS.series, ...DEFAULTS.instance];
  const results = await assembleAll(
    store,
    'instance',
    defaults,
    req,
    all.slice(offset, offset + limit),
    async (refs) => new Map(refs.map((sha) => [sha, sha])),
  );
  return {
    results,
    remaining: Math.max(0, all.length - offset - limit),
    ignored: ignoredKeys(query, seriesUid ? 'series-instances' : studyUid ? 'study-instances' : 'instances'),
  };
}
