import type { InstanceAttrs } from './dicom';

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
 * Test seams for crash-safety tests, both inside the index transaction: `beforeCommit` runs after every index
 * row is written, before the blob is renamed into place; `afterBlob` once the blob is durable, just before the
 * audit entries and the commit. Throwing simulates a crash there.
 */
export const ingestHooks: {
  afterBlob: ((sha256: string) => Promise<void> | void) | null;
  beforeCommit: ((sha256: string) => Promise<void> | void) | null;
} = { afterBlob: null, beforeCommit: null };

export const failed = (
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

export const uids = (a: InstanceAttrs) => ({
  sopClassUid: a.sopClassUid,
  sopInstanceUid: a.sopInstanceUid,
  studyUid: a.studyUid,
  seriesUid: a.seriesUid,
});

export const storedResult = (a: InstanceAttrs, studyId: string): StoreResult => ({
  status: 'stored',
  reason: null,
  failureCode: null,
  ...uids(a),
  studyId,
});

/** The outcome for an instance whose SOP Instance UID this hospital already holds. */
export function priorOutcome(
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
