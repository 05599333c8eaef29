import crypto from 'node:crypto';
import fs from 'node:fs';
import type { DB, Trx } from '../db/database';
import { uploaderId, type Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import type { InstanceAttrs } from './dicom';
import { scanFile } from './scanner';
import { SCAN_VERSION } from './scan';
import type { BlobStore } from './storage';
import { judgeIdentity } from './identity';
import { identityHolders, lockIdentities } from './queries';

/**
 * Outcome of storing one instance.
 * - stored: new instance, blob durable and indexed.
 * - already_stored: the same SOP Instance UID with byte-identical content was stored before (idempotent re-send).
 * - conflict: the same SOP Instance UID (in this hospital) was stored before with DIFFERENT bytes. Policy: the
 *   first version wins and is never silently replaced (a report may already cite it); the sender gets 409 and
 *   must issue a new SOP Instance UID for corrected data, as PS3.3 requires for any change of content.
 * - rejected: not storable; `reason` names the fault.
 */
export type StoreStatus = 'stored' | 'already_stored' | 'conflict' | 'rejected';

export interface StoreResult {
  status: StoreStatus;
  reason: string | null;
  /** PS3.18 Failure Reason for the STOW response, when failed. */
  failureCode: number | null;
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  studyUid: string | null;
  seriesUid: string | null;
  studyId: string | null;
}

/** Failure Reason (0008,1197) values (PS3.4 / PS3.18). */
export const FAILURE = {
  processing: 0x0110,
  duplicate: 0x0111,
  notMatchSopClass: 0xa900,
  cannotUnderstand: 0xc000,
  outOfResources: 0xa700,
} as const;

/**
 * Test seams for crash-safety tests, both inside the index transaction: `beforeCommit` runs after every row is
 * written, before the blob is renamed into place; `afterBlob` once the blob is durable, just before the commit.
 * Throwing simulates a crash there.
 */
export const ingestHooks: {
  afterBlob: ((sha256: string) => Promise<void> | void) | null;
  beforeCommit: ((sha256: string) => Promise<void> | void) | null;
} = { afterBlob: null, beforeCommit: null };

const uuid = () => crypto.randomUUID();

const failed = (
  status: StoreStatus,
  reason: string,
  failureCode: number,
  a?: Partial<InstanceAttrs>,
  studyId: string | null = null,
): StoreResult => ({
  status,
  reason,
  failureCode,
  sopClassUid: a?.sopClassUid ?? null,
  sopInstanceUid: a?.sopInstanceUid ?? null,
  studyUid: a?.studyUid ?? null,
  seriesUid: a?.seriesUid ?? null,
  studyId,
});

/**
 * Store the instance in `tempPath` (complete, hashed while it was written). The temp file is always consumed.
 * Order: scan and validate by range (scan.ts; the file is never read whole) → identity → fsync the temp file →
 * ONE transaction writes patient/study/series/instance rows and the audit entry, then renames the temp file into
 * the blob store (fsync dir) as its last step before the commit. A refusal at any step leaves no blob, no row
 * and no temp file; a crash before the commit leaves no row (at most an unreferenced blob, swept at start);
 * after it, the blob is already durable.
 */
export async function storeInstance(
  db: DB,
  store: BlobStore,
  actor: Actor,
  file: { tempPath: string; sha256: string; size: number },
  opts: { expectStudyUid?: string | undefined; hospitalId?: string } = {},
): Promise<StoreResult> {
  try {
    // The owning hospital: the uploader's, or (SR export by a consulting specialist) the study's own.
    const hospitalId = opts.hospitalId ?? actor.hospitalId;
    if (!hospitalId)
      return failed('rejected', 'only users of a hospital can store studies', FAILURE.processing);
    const parsed = await scanFile(file.tempPath);
    if (!parsed.ok) return failed('rejected', parsed.reason, FAILURE.cannotUnderstand);
    const a = parsed.attrs;
    if (opts.expectStudyUid && opts.expectStudyUid !== a.studyUid) {
      return failed(
        'rejected',
        `the Study Instance UID (0020,000D) ${a.studyUid} does not match the study ${opts.expectStudyUid} in the request URL`,
        FAILURE.notMatchSopClass,
        a,
      );
    }
    const prior = await db
      .selectFrom('imaging_instances')
      .select(['sha256', 'study_ref'])
      .where('hospital_id', '=', hospitalId)
      .where('sop_uid', '=', a.sopInstanceUid)
      .executeTakeFirst();
    if (prior) return priorOutcome(prior, file.sha256, a);
    // Identity first, before anything is written: a refused instance leaves no blob, row or temp file.
    const fault = judgeIdentity(hospitalId, a, await identityHolders(db, idsOf(a)));
    if (fault) return failed('conflict', fault.reason, fault.failureCode, a);

    await store.syncTemp(file.tempPath);

    return await db.transaction().execute(async (trx) => {
      // Again under the identity locks: a concurrent upload may have claimed the study meanwhile. Then nothing
      // is indexed; the blob, if no instance shares it, is removed by the start-up sweep of unreferenced blobs.
      await lockIdentities(trx, idsOf(a));
      const raced = judgeIdentity(hospitalId, a, await identityHolders(trx, idsOf(a)));
      if (raced) return failed('conflict', raced.reason, raced.failureCode, a);
      const studyId = await upsertHierarchy(trx, hospitalId, uploaderId(actor), a);
      const inserted = await trx
        .insertInto('imaging_instances')
        .values({
          id: uuid(),
          hospital_id: hospitalId,
          study_ref: studyId.study,
          series_ref: studyId.series,
          sop_uid: a.sopInstanceUid,
          sop_class_uid: a.sopClassUid,
          transfer_syntax_uid: a.transferSyntaxUid,
          instance_number: a.instanceNumber,
          rows: a.rows,
          columns: a.columns,
          frames: a.frames,
          bits_allocated: a.bitsAllocated,
          pixel_offset: a.frameIndex?.offset ?? null,
          frame_length: a.frameIndex?.length ?? null,
          frame_spans: a.frameSpans,
          scan_version: SCAN_VERSION,
          sha256: file.sha256,
          size: file.size,
          uploaded_by: uploaderId(actor),
        })
        .onConflict((oc) => oc.columns(['hospital_id', 'sop_uid']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        // A concurrent upload of the same instance committed first.
        const row = await trx
          .selectFrom('imaging_instances')
          .select(['sha256', 'study_ref'])
          .where('hospital_id', '=', hospitalId)
          .where('sop_uid', '=', a.sopInstanceUid)
          .executeTakeFirstOrThrow();
        return priorOutcome(row, file.sha256, a);
      }
      await recordAudit(trx, {
        actor,
        action: 'imaging.instance.store',
        entityType: 'imaging_study',
        entityId: studyId.study,
        ip: actor.ip,
        detail: { sopInstanceUid: a.sopInstanceUid, sha256: file.sha256 },
      });
      if (ingestHooks.beforeCommit) await ingestHooks.beforeCommit(file.sha256);
      // The blob goes into place only now: every refusal above left nothing behind.
      await store.placeTemp(file.tempPath, file.sha256);
      if (ingestHooks.afterBlob) await ingestHooks.afterBlob(file.sha256);
      return {
        status: 'stored',
        reason: null,
        failureCode: null,
        ...uids(a),
        studyId: studyId.study,
      } satisfies StoreResult;
    });
  } finally {
    // Gone already when it was renamed into place; otherwise nothing of a refused upload remains.
    await fs.promises.rm(file.tempPath, { force: true });
  }
}

const idsOf = (a: InstanceAttrs) => ({ study: a.studyUid, series: a.seriesUid, sop: a.sopInstanceUid });

const uids = (a: InstanceAttrs) => ({
  sopClassUid: a.sopClassUid,
  sopInstanceUid: a.sopInstanceUid,
  studyUid: a.studyUid,
  seriesUid: a.seriesUid,
});

function priorOutcome(
  prior: { sha256: string; study_ref: string },
  sha256: string,
  a: InstanceAttrs,
): StoreResult {
  if (prior.sha256 === sha256)
    return {
      status: 'already_stored',
      reason: null,
      failureCode: null,
      ...uids(a),
      studyId: prior.study_ref,
    };
  return failed(
    'conflict',
    `an instance with SOP Instance UID ${a.sopInstanceUid} is already stored with different content; corrected data needs a new SOP Instance UID`,
    FAILURE.duplicate,
    a,
    prior.study_ref,
  );
}

/**
 * Insert-or-find patient, study and series (judged by identity.ts and under its locks, so concurrent uploads of
 * one study serialise here). A patient with a Patient ID is found by hospital + issuer + ID; without one, the
 * study's own patient record, or a new record for a new study.
 */
async function upsertHierarchy(trx: Trx, hospitalId: string, userId: string | null, a: InstanceAttrs) {
  const patient = a.patientId
    ? await patientById(trx, hospitalId, a)
    : ((await trx
        .selectFrom('imaging_studies')
        .select('patient_ref as id')
        .where('hospital_id', '=', hospitalId)
        .where('study_uid', '=', a.studyUid)
        .executeTakeFirst()) ?? (await newPatient(trx, hospitalId, a)));
  await trx
    .insertInto('imaging_studies')
    .values({
      id: uuid(),
      hospital_id: hospitalId,
      patient_ref: patient.id,
      study_uid: a.studyUid,
      study_date: a.studyDate,
      study_time: a.studyTime,
      accession_number: a.accessionNumber,
      study_id: a.studyId,
      study_description: a.studyDescription,
      referring_physician: a.referringPhysician,
      uploaded_by: userId,
    })
    .onConflict((oc) => oc.columns(['hospital_id', 'study_uid']).doNothing())
    .execute();
  const study = await trx
    .selectFrom('imaging_studies')
    .select('id')
    .where('hospital_id', '=', hospitalId)
    .where('study_uid', '=', a.studyUid)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('imaging_series')
    .values({
      id: uuid(),
      study_ref: study.id,
      series_uid: a.seriesUid,
      modality: a.modality,
      series_number: a.seriesNumber,
      series_description: a.seriesDescription,
      body_part: a.bodyPart,
    })
    .onConflict((oc) => oc.columns(['study_ref', 'series_uid']).doNothing())
    .execute();
  const series = await trx
    .selectFrom('imaging_series')
    .select('id')
    .where('study_ref', '=', study.id)
    .where('series_uid', '=', a.seriesUid)
    .executeTakeFirstOrThrow();
  return { study: study.id, series: series.id };
}

const patientRow = (hospitalId: string, a: InstanceAttrs) => ({
  id: uuid(),
  hospital_id: hospitalId,
  patient_id: a.patientId,
  issuer: a.issuer,
  patient_name: a.patientName,
  birth_date: a.birthDate,
  sex: a.sex,
});

async function patientById(trx: Trx, hospitalId: string, a: InstanceAttrs) {
  await trx
    .insertInto('imaging_patients')
    .values(patientRow(hospitalId, a))
    .onConflict((oc) =>
      oc.columns(['hospital_id', 'issuer', 'patient_id']).where('patient_id', '<>', '').doNothing(),
    )
    .execute();
  return trx
    .selectFrom('imaging_patients')
    .select('id')
    .where('hospital_id', '=', hospitalId)
    .where('issuer', '=', a.issuer)
    .where('patient_id', '=', a.patientId)
    .executeTakeFirstOrThrow();
}

async function newPatient(trx: Trx, hospitalId: string, a: InstanceAttrs) {
  const row = patientRow(hospitalId, a);
  await trx.insertInto('imaging_patients').values(row).execute();
  return { id: row.id };
}
