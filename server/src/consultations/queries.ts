import { sql } from 'kysely';
import type { Executor, Trx } from '../db/database';
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
