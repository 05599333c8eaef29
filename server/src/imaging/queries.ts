import { sql } from 'kysely';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import type { CaseAction } from '@consult/shared';
import { visibleStudy } from './access';

/** Study search filters (already parsed from QIDO parameters). Text patterns use `*`/`?` wildcards. */
export interface StudyFilter {
  patientName?: string | undefined;
  /** `fuzzymatching=true`: a name matches when any of its words starts with the value (case-insensitive). */
  fuzzyNames?: boolean | undefined;
  patientId?: string | undefined;
  studyDateFrom?: string | undefined;
  studyDateTo?: string | undefined;
  accessionNumber?: string | undefined;
  studyUids?: string[] | undefined;
  modalities?: string[] | undefined;
  studyDescription?: string | undefined;
  /** Flat QIDO forms: only studies holding this series / instance. */
  seriesUid?: string | undefined;
  sopInstanceUid?: string | undefined;
}

/** DICOM wildcard → SQL LIKE pattern (escaping the LIKE metacharacters first). */
export const likePattern = (v: string) =>
  v
    .replace(/[\\%_]/g, (m) => `\\${m}`)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
const hasWildcard = (v: string) => /[*?]/.test(v);

const studyColumns = [
  'imaging_studies.id',
  'imaging_studies.hospital_id',
  'imaging_studies.study_uid',
  'imaging_studies.study_date',
  'imaging_studies.study_time',
  'imaging_studies.accession_number',
  'imaging_studies.study_id',
  'imaging_studies.study_description',
  'imaging_studies.referring_physician',
  'imaging_studies.case_id',
  'imaging_studies.created_at',
  'p.patient_id',
  'p.patient_name',
  'p.birth_date',
  'p.sex',
] as const;

function studyBase(db: Executor, actor: Actor, action?: CaseAction) {
  return db
    .selectFrom('imaging_studies')
    .innerJoin('imaging_patients as p', 'p.id', 'imaging_studies.patient_ref')
    .where(visibleStudy(actor, action))
    .select(studyColumns)
    .select((eb) => [
      eb
        .selectFrom('imaging_series as se')
        .select(
          sql<string>`coalesce(string_agg(distinct se.modality, '\\' order by se.modality), '')`.as('m'),
        )
        .whereRef('se.study_ref', '=', 'imaging_studies.id')
        .as('modalities'),
      eb
        .selectFrom('imaging_series as se')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('se.study_ref', '=', 'imaging_studies.id')
        .as('num_series'),
      eb
        .selectFrom('imaging_instances as i')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('i.study_ref', '=', 'imaging_studies.id')
        .as('num_instances'),
    ]);
}
export type StudyRow = Awaited<ReturnType<ReturnType<typeof studyBase>['executeTakeFirstOrThrow']>>;

export async function searchStudies(
  db: Executor,
  actor: Actor,
  f: StudyFilter,
  limit: number,
  offset: number,
) {
  let q = studyBase(db, actor);
  if (f.patientName) {
    const v = f.patientName;
    if (hasWildcard(v)) {
      const p = likePattern(v.toLowerCase());
      q = q.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['p.patient_name']), 'like', p),
          eb(eb.fn('lower', ['p.patient_name']), 'like', `%=${p}`),
        ]),
      );
    } else if (f.fuzzyNames) {
      // Any name component or word (family, given, middle; alphabetic, ideographic, phonetic groups).
      const p = `${likePattern(v.toLowerCase())}%`;
      q = q.where((eb) =>
        eb.or(
          ['', '%^', '% ', '%='].map((before) =>
            eb(eb.fn('lower', ['p.patient_name']), 'like', `${before}${p}`),
          ),
        ),
      );
    } else {
      const lv = v.toLowerCase();
      q = q.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['p.patient_name']), '=', lv),
          eb(eb.fn('lower', ['p.patient_name']), 'like', `${likePattern(lv)}=%`),
          eb(eb.fn('lower', ['p.patient_name']), 'like', `%=${likePattern(lv)}`),
          eb(eb.fn('lower', ['p.patient_name']), 'like', `%=${likePattern(lv)}=%`),
        ]),
      );
    }
  }
  if (f.patientId)
    q = q.where(
      'p.patient_id',
      hasWildcard(f.patientId) ? 'like' : '=',
      hasWildcard(f.patientId) ? likePattern(f.patientId) : f.patientId,
    );
  if (f.accessionNumber) {
    const v = f.accessionNumber;
    q = q.where(
      'imaging_studies.accession_number',
      hasWildcard(v) ? 'like' : '=',
      hasWildcard(v) ? likePattern(v) : v,
    );
  }
  if (f.studyDescription) {
    const p = likePattern(f.studyDescription.toLowerCase());
    q = q.where((eb) => eb(eb.fn('lower', ['imaging_studies.study_description']), 'like', p));
  }
  if (f.studyDateFrom)
    q = q
      .where('imaging_studies.study_date', '>=', f.studyDateFrom)
      .where('imaging_studies.study_date', '!=', '');
  if (f.studyDateTo)
    q = q
      .where('imaging_studies.study_date', '<=', f.studyDateTo)
      .where('imaging_studies.study_date', '!=', '');
  if (f.studyUids?.length) q = q.where('imaging_studies.study_uid', 'in', f.studyUids);
  if (f.seriesUid) {
    const v = f.seriesUid;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('imaging_series as se')
          .select(sql<number>`1`.as('one'))
          .whereRef('se.study_ref', '=', 'imaging_studies.id')
          .where('se.series_uid', '=', v),
      ),
    );
  }
  if (f.sopInstanceUid) {
    const v = f.sopInstanceUid;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('imaging_instances as i')
          .select(sql<number>`1`.as('one'))
          .whereRef('i.study_ref', '=', 'imaging_studies.id')
          .where('i.sop_uid', '=', v),
      ),
    );
  }
  if (f.modalities?.length) {
    const mods = f.modalities;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('imaging_series as se')
          .select(sql<number>`1`.as('one'))
          .whereRef('se.study_ref', '=', 'imaging_studies.id')
          .where('se.modality', 'in', mods),
      ),
    );
  }
  return q
    .orderBy('imaging_studies.study_date', 'desc')
    .orderBy('imaging_studies.created_at', 'desc')
    .orderBy('imaging_studies.id')
    .limit(limit)
    .offset(offset)
    .execute();
}

/** Visible studies with this Study Instance UID (own hospital first). */
export function findStudies(db: Executor, actor: Actor, studyUid: string) {
  return studyBase(db, actor)
    .where('imaging_studies.study_uid', '=', studyUid)
    .orderBy(sql`case when imaging_studies.hospital_id = ${actor.hospitalId ?? ''} then 0 else 1 end`)
    .execute();
}

export function findStudyById(db: Executor, actor: Actor, id: string, action?: CaseAction) {
  return studyBase(db, actor, action).where('imaging_studies.id', '=', id).executeTakeFirst();
}

export interface SeriesFilter {
  seriesUid?: string | undefined;
  modality?: string | undefined;
  seriesNumber?: number | undefined;
}

export function listSeries(db: Executor, studyRef: string, f: SeriesFilter = {}) {
  let q = db
    .selectFrom('imaging_series as se')
    .selectAll('se')
    .select((eb) =>
      eb
        .selectFrom('imaging_instances as i')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('i.series_ref', '=', 'se.id')
        .as('num_instances'),
    )
    .where('se.study_ref', '=', studyRef);
  if (f.seriesUid) q = q.where('se.series_uid', '=', f.seriesUid);
  if (f.modality) q = q.where('se.modality', '=', f.modality);
  if (f.seriesNumber !== undefined) q = q.where('se.series_number', '=', f.seriesNumber);
  return q.orderBy('se.series_number').orderBy('se.series_uid').execute();
}

export type SeriesRow = Awaited<ReturnType<typeof listSeries>>[number];

/**
 * The blob of one instance per study or series (lowest instance number): the instance whose header supplies the
 * attributes QIDO returns that the index does not keep. One query for the whole page of results.
 */
export async function representativeBlobs(
  db: Executor,
  level: 'study' | 'series',
  refs: string[],
): Promise<Map<string, string>> {
  if (!refs.length) return new Map();
  const col = level === 'study' ? 'i.study_ref' : 'i.series_ref';
  const rows = await db
    .selectFrom('imaging_instances as i')
    .select([sql.ref<string>(col).as('ref'), 'i.sha256'])
    .distinctOn(col)
    .where(col, 'in', refs)
    .orderBy(col)
    .orderBy('i.instance_number')
    .orderBy('i.sop_uid')
    .execute();
  return new Map(rows.map((r) => [r.ref, r.sha256]));
}

export interface InstanceFilter {
  seriesUid?: string | undefined;
  sopInstanceUid?: string | undefined;
  sopClassUid?: string | undefined;
  instanceNumber?: number | undefined;
}

export function listInstances(db: Executor, studyRef: string, f: InstanceFilter = {}) {
  let q = db
    .selectFrom('imaging_instances as i')
    .innerJoin('imaging_series as se', 'se.id', 'i.series_ref')
    .selectAll('i')
    .select(['se.series_uid', 'se.modality'])
    .where('i.study_ref', '=', studyRef);
  if (f.seriesUid) q = q.where('se.series_uid', '=', f.seriesUid);
  if (f.sopInstanceUid) q = q.where('i.sop_uid', '=', f.sopInstanceUid);
  if (f.sopClassUid) q = q.where('i.sop_class_uid', '=', f.sopClassUid);
  if (f.instanceNumber !== undefined) q = q.where('i.instance_number', '=', f.instanceNumber);
  return q
    .orderBy('se.series_number')
    .orderBy('se.series_uid')
    .orderBy('i.instance_number')
    .orderBy('i.sop_uid')
    .execute();
}
export type InstanceRow = Awaited<ReturnType<typeof listInstances>>[number];

/**
 * Every index row, in any hospital, that already holds one of an incoming instance's identities: the study (with
 * its hospital and patient), the series (with its study) and the SOP instance (with its study). Ingest judges
 * them in identity.ts; this reads across hospitals on purpose and never returns rows to a caller.
 */
export async function identityHolders(db: Executor, uids: { study: string; series: string; sop: string }) {
  const [studies, series, instances] = await Promise.all([
    db
      .selectFrom('imaging_studies as s')
      .innerJoin('imaging_patients as p', 'p.id', 's.patient_ref')
      .innerJoin('hospitals as h', 'h.id', 's.hospital_id')
      .select([
        's.id',
        's.hospital_id',
        'h.name_en as hospital_name',
        'p.id as patient_ref',
        'p.patient_id',
        'p.issuer',
        'p.patient_name',
      ])
      .where('s.study_uid', '=', uids.study)
      .execute(),
    db
      .selectFrom('imaging_series as se')
      .innerJoin('imaging_studies as s', 's.id', 'se.study_ref')
      .select(['s.study_uid', 's.hospital_id'])
      .where('se.series_uid', '=', uids.series)
      .execute(),
    db
      .selectFrom('imaging_instances as i')
      .innerJoin('imaging_studies as s', 's.id', 'i.study_ref')
      .select(['s.study_uid', 's.hospital_id'])
      .where('i.sop_uid', '=', uids.sop)
      .execute(),
  ]);
  return { studies, series, instances };
}
export type IdentityHolders = Awaited<ReturnType<typeof identityHolders>>;

/**
 * Serialise the ingest transactions that touch the same study, series or SOP instance (across hospitals and
 * server nodes) until commit: transaction-scoped advisory locks, taken in a fixed order (study, series, instance;
 * one lock space each) so two transactions never wait on each other in a cycle.
 */
export async function lockIdentities(trx: Executor, uids: { study: string; series: string; sop: string }) {
  for (const [space, uid] of [
    [1, uids.study],
    [2, uids.series],
    [3, uids.sop],
  ] as const) {
    await sql`select pg_advisory_xact_lock(${space}::int, hashtext(${uid}))`.execute(trx);
  }
}

/** Which of these blob hashes an instance row references. */
export async function referencedBlobs(db: Executor, shas: string[]): Promise<Set<string>> {
  if (!shas.length) return new Set();
  const rows = await db
    .selectFrom('imaging_instances')
    .select('sha256')
    .distinct()
    .where('sha256', 'in', shas)
    .execute();
  return new Set(rows.map((r) => r.sha256));
}

/** Patient records the identity migration split from a shared empty-ID record, each with one of its blobs. */
export function patientsToRefresh(db: Executor) {
  return db
    .selectFrom('imaging_patients as p')
    .innerJoin('imaging_studies as s', 's.patient_ref', 'p.id')
    .innerJoin('imaging_instances as i', 'i.study_ref', 's.id')
    .select(['p.id', 'i.sha256'])
    .distinctOn('p.id')
    .where('p.refresh_demographics', '=', true)
    .orderBy('p.id')
    .orderBy('i.created_at')
    .execute();
}

export function setDemographics(
  db: Executor,
  id: string,
  d: { patient_name: string; sex: string; birth_date: string },
) {
  return db
    .updateTable('imaging_patients')
    .set({ ...d, refresh_demographics: false })
    .where('id', '=', id)
    .execute();
}

export async function setStudyCase(db: Executor, id: string, caseId: string | null): Promise<void> {
  await db.updateTable('imaging_studies').set({ case_id: caseId }).where('id', '=', id).execute();
}

/** What frame reads need of an instance (frames.ts), and what re-validation re-scans (revalidate-queries.ts). */
export const FRAME_COLUMNS = [
  'id',
  'sha256',
  'transfer_syntax_uid',
  'frames',
  'pixel_offset',
  'frame_length',
  'frame_spans',
  'scan_version',
  'quarantine',
] as const;

/** What frame reads need of one instance (frames.ts), by id. */
export function frameRow(db: Executor, id: string) {
  return db.selectFrom('imaging_instances').select(FRAME_COLUMNS).where('id', '=', id).executeTakeFirst();
}
