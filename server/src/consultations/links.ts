import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import { QUEUE_STATES, isClinical } from '@consult/shared';
import type { Database, Executor } from '../db/database';
import type { Actor } from '../auth/actor';

/**
 * Who can reach what through consultations: the ONE place other capabilities (imaging, reports, rounds) scope by.
 *
 * A consultation is visible to
 *  - a county doctor: every request of their own hospital (`requesting_hospital_id`);
 *  - a specialist/radiologist: requests routed to their (tertiary) hospital while they wait in its triage queue
 *    (states `submitted`, `triaged`; drafts never leave the county) and, at any state, those assigned to them;
 *  - nobody else (program/sys admins never see patient data).
 * Through a visible consultation the actor reaches its patient's file (read-only for the tertiary side), its
 * linked imaging studies (`consultation_studies`) and both hospitals (requesting, target).
 */
/** A WHERE condition (for `selectFrom('consultations as c')`) that keeps only consultations the actor may see. */
export function visibleTo(actor: Actor) {
  return (eb: ExpressionBuilder<{ c: Database['consultations'] }, 'c'>): Expression<SqlBool> => {
    if (!isClinical(actor.role) || !actor.hospitalId) return sql<SqlBool>`false`;
    if (actor.role === 'county_doctor') return eb('c.requesting_hospital_id', '=', actor.hospitalId);
    return eb.and([
      eb('c.target_hospital_id', '=', actor.hospitalId),
      eb.or([eb('c.state', 'in', [...QUEUE_STATES]), eb('c.assigned_to', '=', actor.id)]),
    ]);
  };
}

/** Subquery of the ids of consultations the actor may see; compose with `where('x', 'in', visibleConsultationIds(...))`. */
export function visibleConsultationIds(db: Executor, actor: Actor) {
  return db.selectFrom('consultations as c').select('c.id').where(visibleTo(actor));
}

export interface ConsultationLinks {
  /** Visible consultations. */
  consultationIds: string[];
  /** Patients reached through them (for a county doctor these are also reachable directly, as their hospital's). */
  patientIds: string[];
  /** Hospitals on either side of those consultations. */
  hospitalIds: string[];
  /** StudyInstanceUIDs linked to them. */
  studyInstanceUids: string[];
}

/**
 * Everything the actor reaches through consultations, as id lists (one round trip each; fine for a worklist,
 * prefer the `canReach*` checks or `visibleConsultationIds` subquery for single rows and SQL composition).
 */
export async function consultationLinksForUser(db: Executor, actor: Actor): Promise<ConsultationLinks> {
  const rows = await db
    .selectFrom('consultations as c')
    .select(['c.id', 'c.patient_id', 'c.requesting_hospital_id', 'c.target_hospital_id'])
    .where(visibleTo(actor))
    .execute();
  const ids = rows.map((r) => r.id);
  const studies = ids.length
    ? await db
        .selectFrom('consultation_studies')
        .select('study_instance_uid')
        .distinct()
        .where('consultation_id', 'in', ids)
        .execute()
    : [];
  return {
    consultationIds: ids,
    patientIds: [...new Set(rows.map((r) => r.patient_id))],
    hospitalIds: [...new Set(rows.flatMap((r) => [r.requesting_hospital_id, r.target_hospital_id]))],
    studyInstanceUids: studies.map((s) => s.study_instance_uid),
  };
}

/** May the actor see this consultation? */
export async function canReachConsultation(
  db: Executor,
  actor: Actor,
  consultationId: string,
): Promise<boolean> {
  const r = await db
    .selectFrom('consultations as c')
    .select('c.id')
    .where('c.id', '=', consultationId)
    .where(visibleTo(actor))
    .executeTakeFirst();
  return !!r;
}

/**
 * May the actor read this patient's file? Own hospital's patients for county doctors; for the tertiary side,
 * patients of a consultation visible to them (read-only).
 */
export async function canReachPatient(db: Executor, actor: Actor, patientId: string): Promise<boolean> {
  if (!isClinical(actor.role) || !actor.hospitalId) return false;
  if (actor.role === 'county_doctor') {
    const p = await db
      .selectFrom('patients')
      .select('id')
      .where('id', '=', patientId)
      .where('hospital_id', '=', actor.hospitalId)
      .executeTakeFirst();
    return !!p;
  }
  const r = await db
    .selectFrom('consultations as c')
    .select('c.id')
    .where('c.patient_id', '=', patientId)
    .where(visibleTo(actor))
    .limit(1)
    .executeTakeFirst();
  return !!r;
}

/** Is this StudyInstanceUID linked to a consultation the actor may see? */
export async function canReachStudy(db: Executor, actor: Actor, studyInstanceUid: string): Promise<boolean> {
  const r = await db
    .selectFrom('consultation_studies as cs')
    .innerJoin('consultations as c', 'c.id', 'cs.consultation_id')
    .select('c.id')
    .where('cs.study_instance_uid', '=', studyInstanceUid)
    .where(visibleTo(actor))
    .limit(1)
    .executeTakeFirst();
  return !!r;
}
