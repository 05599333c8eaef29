import { sql, type Insertable, type Updateable } from 'kysely';
import { SLA_RUNNING_STATES, type ConsultationState } from '@consult/shared';
import type { Database, Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { standingColumns, visibleCases } from '../access/policy';

/** Consultation queries: `db | trx` first; every read is filtered by the access policy (`visibleCases`) (404 for the rest). */

export const summaryColumns = [
  'c.id',
  'c.type',
  'c.urgency',
  'c.state',
  'c.patient_id',
  'c.case_id',
  'c.requesting_hospital_id',
  'c.target_hospital_id',
  'c.target_department_id',
  'c.requester_id',
  'c.assigned_to',
  'c.clinical_question',
  'c.history_summary',
  'c.decline_reason',
  'c.return_reason',
  'c.submitted_at',
  'c.sla_due_at',
  'c.responded_at',
  'c.accepted_at',
  'c.completed_at',
  'c.created_at',
  'c.updated_at',
  'c.version',
  'p.name as patient_name',
  'p.poverty_registered',
  'pc.diagnosis',
  'pc.icd10',
] as const;

/**
 * Names of hospitals and people as scalar subqueries rather than joins: the planner then orders a three-table
 * join instead of a seven-table one, which dominated the cost of a worklist page.
 */
export const nameColumns = [
  sql<string>`(select h.name_zh from hospitals h where h.id = c.requesting_hospital_id)`.as(
    'requesting_name_zh',
  ),
  sql<string>`(select h.name_en from hospitals h where h.id = c.requesting_hospital_id)`.as(
    'requesting_name_en',
  ),
  sql<string>`(select h.name_zh from hospitals h where h.id = c.target_hospital_id)`.as('target_name_zh'),
  sql<string>`(select h.name_en from hospitals h where h.id = c.target_hospital_id)`.as('target_name_en'),
  sql<string>`(select u.display_name from users u where u.id = c.requester_id)`.as('requester_name'),
  sql<string | null>`(select u.display_name from users u where u.id = c.assigned_to)`.as('assignee_name'),
];

export function baseSelect(db: Executor) {
  return db
    .selectFrom('consultations as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('patient_cases as pc', 'pc.id', 'c.case_id');
}

export type SummaryRow = NonNullable<Awaited<ReturnType<typeof findVisible>>>;

/** A visible case with the actor's relations to it (`relationsOf`) and its teaching flag: the detail's one query. */
export function findVisibleStanding(db: Executor, actor: Actor, id: string) {
  return baseSelect(db)
    .select(summaryColumns)
    .select(nameColumns)
    .select('c.shared_for_teaching')
    .select(standingColumns(actor))
    .where('c.id', '=', id)
    .where(visibleCases(actor))
    .executeTakeFirst();
}

export function findVisible(db: Executor, actor: Actor, id: string) {
  return baseSelect(db)
    .select(summaryColumns)
    .select(nameColumns)
    .where('c.id', '=', id)
    .where(visibleCases(actor))
    .executeTakeFirst();
}

/** Lock the row for a state change (SELECT ... FOR UPDATE); the caller already checked visibility. */
export function lockForUpdate(trx: Trx, id: string) {
  return trx.selectFrom('consultations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function transitionsOf(db: Executor, id: string) {
  return db
    .selectFrom('consultation_transitions as t')
    .innerJoin('users as u', 'u.id', 't.actor_id')
    .select([
      't.id',
      't.from_state',
      't.to_state',
      't.actor_id',
      't.actor_role',
      't.note',
      't.at',
      'u.display_name',
    ])
    .where('t.consultation_id', '=', id)
    .orderBy('t.at')
    .orderBy('t.id')
    .execute();
}

export function attachmentsOf(db: Executor, consultationId: string) {
  return db
    .selectFrom('consultation_attachments as a')
    .innerJoin('users as u', 'u.id', 'a.uploaded_by')
    .selectAll('a')
    .select('u.display_name as uploader_name')
    .where('a.consultation_id', '=', consultationId)
    .orderBy('a.created_at')
    .execute();
}
export type AttachmentJoinedRow = Awaited<ReturnType<typeof attachmentsOf>>[number];

export function studiesOf(db: Executor, consultationId: string) {
  return db
    .selectFrom('consultation_studies as s')
    .innerJoin('users as u', 'u.id', 's.linked_by')
    .selectAll('s')
    .select('u.display_name')
    .where('s.consultation_id', '=', consultationId)
    .orderBy('s.linked_at')
    .execute();
}

export function messagesOf(db: Executor, consultationId: string) {
  return db
    .selectFrom('consultation_messages as m')
    .innerJoin('users as u', 'u.id', 'm.author_id')
    .select([
      'm.id',
      'm.consultation_id',
      'm.author_id',
      'm.body',
      'm.created_at',
      'u.display_name',
      'u.role',
      'u.hospital_id',
    ])
    .where('m.consultation_id', '=', consultationId)
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
}
export type MessageJoinedRow = Awaited<ReturnType<typeof messagesOf>>[number];

export const setSharedForTeaching = (trx: Trx, id: string, shared: boolean) =>
  trx
    .updateTable('consultations')
    .set({ shared_for_teaching: shared, updated_at: new Date() })
    .where('id', '=', id)
    .where('shared_for_teaching', '<>', shared)
    .executeTakeFirst();

/** The state and target hospital of a case, whoever asks (only to tell a lost race from a missing case). */
export function stateOf(db: Executor, id: string) {
  return db
    .selectFrom('consultations')
    .select(['state', 'target_hospital_id'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertConsultation(
  trx: Trx,
  row: Insertable<Database['consultations']>,
): Promise<void> {
  await trx.insertInto('consultations').values(row).execute();
}

export async function insertTransition(
  trx: Trx,
  row: Insertable<Database['consultation_transitions']>,
): Promise<void> {
  await trx.insertInto('consultation_transitions').values(row).execute();
}

type RequestChanges = Omit<Updateable<Database['consultations']>, 'version' | 'updated_at'>;

/** Edit a request's fields; its version goes up by one. */
export async function updateRequest(trx: Trx, id: string, changes: RequestChanges): Promise<void> {
  await trx
    .updateTable('consultations')
    .set({ ...changes, version: sql<number>`version + 1`, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/**
 * Move a request from the state read under lock (`from`) to `to`, with the transition's other columns; its
 * version goes up by one. Undefined when the state is no longer `from`.
 */
export function setState(
  trx: Trx,
  id: string,
  from: ConsultationState,
  to: ConsultationState,
  now: Date,
  changes: Omit<RequestChanges, 'state'>,
) {
  return trx
    .updateTable('consultations')
    .set({ state: to, version: sql<number>`version + 1`, updated_at: now, ...changes })
    .where('id', '=', id)
    .where('state', '=', from)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Claim the SLA warnings due by `horizon` (requests still waiting for a response, not yet warned): the
 * conditional UPDATE claims each once, however many server instances run it.
 */
export function claimSlaWarnings(db: Executor, now: Date, horizon: Date) {
  return db
    .updateTable('consultations')
    .set({ sla_warned_at: now })
    .where('state', 'in', [...SLA_RUNNING_STATES])
    .where('sla_warned_at', 'is', null)
    .where('sla_due_at', '<=', horizon)
    .returning(['id', 'target_hospital_id', 'assigned_to', 'urgency', 'sla_due_at'])
    .execute();
}

/** The patient, when it is a patient of this hospital (a new request's references are checked with these). */
export function patientAtHospital(db: Executor, patientId: string, hospitalId: string) {
  return db
    .selectFrom('patients')
    .select(['id'])
    .where('id', '=', patientId)
    .where('hospital_id', '=', hospitalId)
    .executeTakeFirst();
}

/** A tertiary hospital actively paired with the county hospital. */
export function pairedTertiary(db: Executor, tertiaryId: string, countyId: string) {
  return db
    .selectFrom('pairings as pr')
    .innerJoin('hospitals as h', 'h.id', 'pr.tertiary_hospital_id')
    .select('h.id')
    .where('pr.tertiary_hospital_id', '=', tertiaryId)
    .where('pr.county_hospital_id', '=', countyId)
    .where('pr.active', '=', true)
    .where('h.tier', '=', 'tertiary')
    .executeTakeFirst();
}

/** The department, when it belongs to this hospital. */
export function departmentAt(db: Executor, departmentId: string, hospitalId: string) {
  return db
    .selectFrom('departments')
    .select('id')
    .where('id', '=', departmentId)
    .where('hospital_id', '=', hospitalId)
    .executeTakeFirst();
}

/** Active specialists and radiologists of a hospital: who a request may be assigned to (triage). */
const assignableUsers = (db: Executor, hospitalId: string) =>
  db
    .selectFrom('users')
    .where('hospital_id', '=', hospitalId)
    .where('role', 'in', ['specialist', 'radiologist'])
    .where('disabled', '=', false);

/** Who a request at this hospital may be assigned to, by name. */
export function assignableAt(db: Executor, hospitalId: string) {
  return assignableUsers(db, hospitalId)
    .select(['id', 'display_name', 'role', 'department_id'])
    .orderBy('display_name')
    .execute();
}

/** The user, when a request may be assigned to them at this hospital. */
export function assignableUser(db: Executor, userId: string, hospitalId: string) {
  return assignableUsers(db, hospitalId).select('id').where('id', '=', userId).executeTakeFirst();
}
