import { sql } from 'kysely';
import type { ConsultationQuery } from '@consult/shared';
import { QUEUE_STATES } from '@consult/shared';
import type { Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleCases } from '../access/policy';

/** Consultation queries: `db | trx` first; every read is filtered by the access policy (`visibleCases`) (404 for the rest). */

const summaryColumns = [
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
const nameColumns = [
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

function baseSelect(db: Executor) {
  return db
    .selectFrom('consultations as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('patient_cases as pc', 'pc.id', 'c.case_id');
}

export type SummaryRow = NonNullable<Awaited<ReturnType<typeof findVisible>>>;

export function findVisible(db: Executor, actor: Actor, id: string) {
  return baseSelect(db)
    .select(summaryColumns)
    .select(nameColumns)
    .where('c.id', '=', id)
    .where(visibleCases(actor))
    .executeTakeFirst();
}

/** Worklist / triage queue. Queue order: emergency first, then the SLA due soonest. */
export async function listVisible(db: Executor, actor: Actor, q: ConsultationQuery) {
  let base = baseSelect(db).where(visibleCases(actor));
  const view = q.view ?? 'all';
  if (view === 'queue') {
    base = base.where('c.state', 'in', [...QUEUE_STATES]);
  } else if (view === 'mine') {
    base =
      actor.role === 'county_doctor'
        ? base.where('c.requester_id', '=', actor.id)
        : base.where('c.assigned_to', '=', actor.id);
  }
  if (q.state) base = base.where('c.state', '=', q.state);
  if (q.urgency) base = base.where('c.urgency', '=', q.urgency);
  if (q.patientId) base = base.where('c.patient_id', '=', q.patientId);
  // One round trip: the page and the total (window count) together; count separately only past the end.
  const rows = await base
    .select(summaryColumns)
    .select(nameColumns)
    .select(sql<number>`count(*) over ()`.as('total_count'))
    .$if(view === 'queue', (qb) =>
      qb
        .orderBy((eb) =>
          eb
            .case()
            .when('c.urgency', '=', 'emergency')
            .then(0)
            .when('c.urgency', '=', 'urgent')
            .then(1)
            .else(2)
            .end(),
        )
        .orderBy('c.sla_due_at'),
    )
    .$if(view !== 'queue', (qb) => qb.orderBy('c.updated_at', 'desc'))
    .orderBy('c.id')
    .limit(q.limit ?? 50)
    .offset(q.offset ?? 0)
    .execute();
  if (rows.length === 0 && (q.offset ?? 0) > 0) {
    const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(count.n) };
  }
  return { rows, total: rows.length ? Number(rows[0]!.total_count) : 0 };
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
