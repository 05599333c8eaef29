/**
 * What an export (PDF, FHIR) reads besides the report itself: the request, its patient, the hospitals, the linked
 * studies, and the imaging key images point at. No access scoping here: the callers loaded the report visibly.
 */
import type { ReportKeyImage } from '@consult/shared';
import type { Executor } from '../db/database';

/** The request a report answers, with its requester's name. */
export function requestRow(db: Executor, consultationId: string) {
  return db
    .selectFrom('consultations as c')
    .innerJoin('users as u', 'u.id', 'c.requester_id')
    .select([
      'c.id',
      'c.type',
      'c.urgency',
      'c.clinical_question',
      'c.history_summary',
      'c.submitted_at',
      'c.requester_id',
      'u.display_name',
    ])
    .where('c.id', '=', consultationId)
    .executeTakeFirstOrThrow();
}

export function patientRow(db: Executor, patientId: string) {
  return db
    .selectFrom('patients')
    .select(['id', 'name', 'sex', 'birth_date', 'poverty_registered'])
    .where('id', '=', patientId)
    .executeTakeFirstOrThrow();
}

/**
 * The studies linked to a consultation, in UID order, with what the requesting hospital stores of each (absent
 * when it stores none): description, date, modality, series and instance counts.
 */
export function linkedStudies(db: Executor, consultationId: string, requestingHospitalId: string) {
  return db
    .selectFrom('consultation_studies as cs')
    .leftJoin('imaging_studies as s', (j) =>
      j.onRef('s.study_uid', '=', 'cs.study_instance_uid').on('s.hospital_id', '=', requestingHospitalId),
    )
    .select(['cs.study_instance_uid', 's.study_description', 's.study_date'])
    .select((eb) => [
      eb
        .selectFrom('imaging_series as se')
        .select((e) => e.fn.min('se.modality').as('m'))
        .whereRef('se.study_ref', '=', 's.id')
        .as('modality'),
      eb
        .selectFrom('imaging_series as se')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('se.study_ref', '=', 's.id')
        .as('num_series'),
      eb
        .selectFrom('imaging_instances as i')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('i.study_ref', '=', 's.id')
        .as('num_instances'),
    ])
    .where('cs.consultation_id', '=', consultationId)
    .orderBy('cs.study_instance_uid')
    .execute();
}

/** The stored instance a key image points at, if it is in a study linked to the consultation. */
export function keyImageInstance(
  db: Executor,
  consultationId: string,
  hospitalIds: string[],
  k: Pick<ReportKeyImage, 'studyInstanceUid' | 'sopInstanceUid'>,
) {
  return db
    .selectFrom('imaging_instances as im')
    .innerJoin('imaging_studies as s', 's.id', 'im.study_ref')
    .innerJoin('imaging_series as se', 'se.id', 'im.series_ref')
    .innerJoin('consultation_studies as cs', (j) =>
      j.onRef('cs.study_instance_uid', '=', 's.study_uid').on('cs.consultation_id', '=', consultationId),
    )
    .select(['im.id', 'im.frames', 'im.sha256', 'im.transfer_syntax_uid', 'se.modality'])
    .where('im.sop_uid', '=', k.sopInstanceUid)
    .where('s.study_uid', '=', k.studyInstanceUid)
    .where('s.hospital_id', 'in', hospitalIds)
    .executeTakeFirst();
}

/** Of `ids` (not empty), the annotations drawn on this instance's frame (counted from 0). */
export function annotationsOnFrame(db: Executor, ids: string[], instanceId: string, frame: number) {
  return db
    .selectFrom('imaging_annotations')
    .select('id')
    .where('id', 'in', ids)
    .where('instance_ref', '=', instanceId)
    .where('frame', '=', frame)
    .execute();
}
