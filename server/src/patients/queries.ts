import { sql } from 'kysely';
import type { OverdueQuery, PatientQuery } from '@consult/shared';
import type { Insertable, Updateable } from 'kysely';
import type { Database, Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { visiblePatients } from '../access/policy';

/** Patient-file queries, scoped in SQL by the access policy (`visiblePatients`); admin roles match nothing. */

/** The next follow-up due of a case: the next_due_date of its latest follow-up. */
const nextDueSql = sql<
  string | null
>`(select f.next_due_date::text from case_follow_ups f where f.case_id = pc.id order by f.follow_up_date desc, f.created_at desc limit 1)`;

export async function listPatients(db: Executor, actor: Actor, q: PatientQuery) {
  let base = db.selectFrom('patients as p').where(visiblePatients(actor));
  if (q.q?.trim()) {
    const term = q.q.trim();
    const digits = term.replace(/[^0-9Xx]/g, '').toUpperCase();
    const like = `%${term.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    base = base.where((eb) =>
      eb.or([
        eb('p.name', 'ilike', like),
        ...(digits.length >= 4 ? [eb('p.national_id', 'like', `%${digits}`)] : []),
      ]),
    );
  }
  if (q.povertyRegistered !== undefined) base = base.where('p.poverty_registered', '=', q.povertyRegistered);
  const chronicSql = sql<boolean>`exists (select 1 from patient_cases pc where pc.patient_id = p.id and pc.status = 'chronic')`;
  const overdueSql = sql<boolean>`exists (select 1 from patient_cases pc where pc.patient_id = p.id and pc.status <> 'resolved' and ${nextDueSql} < current_date::text)`;
  if (q.chronic !== undefined) base = base.where(q.chronic ? chronicSql : sql<boolean>`not ${chronicSql}`);
  if (q.overdue !== undefined) base = base.where(q.overdue ? overdueSql : sql<boolean>`not ${overdueSql}`);
  const [rows, count] = await Promise.all([
    base
      .selectAll('p')
      .select([
        chronicSql.as('chronic'),
        overdueSql.as('overdue'),
        sql<number>`(select count(*) from patient_cases pc where pc.patient_id = p.id)`.as('case_count'),
      ])
      .orderBy('p.updated_at', 'desc')
      .orderBy('p.id')
      .limit(q.limit ?? 50)
      .offset(q.offset ?? 0)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export function findPatient(db: Executor, actor: Actor, id: string) {
  return db
    .selectFrom('patients as p')
    .selectAll('p')
    .where('p.id', '=', id)
    .where(visiblePatients(actor))
    .executeTakeFirst();
}

/** Does any patient file exist? (the demo caseload is seeded only into an empty database) */
export const anyPatient = (db: Executor) =>
  db.selectFrom('patients').select('id').limit(1).executeTakeFirst();

export async function insertPatient(trx: Trx, row: Insertable<Database['patients']>): Promise<void> {
  await trx.insertInto('patients').values(row).execute();
}

export async function updatePatient(
  trx: Trx,
  id: string,
  changes: Updateable<Database['patients']>,
): Promise<void> {
  await trx.updateTable('patients').set(changes).where('id', '=', id).execute();
}

export function casesOf(db: Executor, patientId: string) {
  return db
    .selectFrom('patient_cases as pc')
    .selectAll('pc')
    .select(nextDueSql.as('next_due'))
    .where('pc.patient_id', '=', patientId)
    .orderBy('pc.created_at')
    .execute();
}

export function followUpsOf(db: Executor, caseIds: string[]) {
  if (!caseIds.length) return Promise.resolve([]);
  return db
    .selectFrom('case_follow_ups as f')
    .innerJoin('users as u', 'u.id', 'f.by_user_id')
    .selectAll('f')
    .select('u.display_name')
    .where('f.case_id', 'in', caseIds)
    .orderBy('f.follow_up_date', 'desc')
    .orderBy('f.created_at', 'desc')
    .execute();
}

export function caseOfPatient(db: Executor, patientId: string, caseId: string) {
  return db
    .selectFrom('patient_cases')
    .select('id')
    .where('id', '=', caseId)
    .where('patient_id', '=', patientId)
    .executeTakeFirst();
}

export async function insertCase(trx: Trx, row: Insertable<Database['patient_cases']>): Promise<void> {
  await trx.insertInto('patient_cases').values(row).execute();
}

/** Changes a case of the patient; false when the patient has no case with this id. */
export async function updateCase(
  trx: Trx,
  patientId: string,
  caseId: string,
  changes: Updateable<Database['patient_cases']>,
): Promise<boolean> {
  const res = await trx
    .updateTable('patient_cases')
    .set(changes)
    .where('id', '=', caseId)
    .where('patient_id', '=', patientId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function insertFollowUp(trx: Trx, row: Insertable<Database['case_follow_ups']>): Promise<void> {
  await trx.insertInto('case_follow_ups').values(row).execute();
}

export async function setCasePlan(trx: Trx, caseId: string, plan: string, at: Date): Promise<void> {
  await trx
    .updateTable('patient_cases')
    .set({ treatment_plan: plan, updated_at: at })
    .where('id', '=', caseId)
    .execute();
}

/** Open cases whose latest follow-up's next due date is before `today`, in the actor's patient scope. */
export function overdueFollowUps(db: Executor, actor: Actor, q: OverdueQuery, today: string) {
  const lastDate = sql<
    string | null
  >`(select max(f.follow_up_date)::text from case_follow_ups f where f.case_id = pc.id)`;
  let base = db
    .selectFrom('patient_cases as pc')
    .innerJoin('patients as p', 'p.id', 'pc.patient_id')
    .innerJoin('hospitals as h', 'h.id', 'p.hospital_id')
    .where(visiblePatients(actor))
    .where('pc.status', '<>', 'resolved')
    .where(nextDueSql, '<', today);
  if (q.povertyRegistered !== undefined) base = base.where('p.poverty_registered', '=', q.povertyRegistered);
  return base
    .select([
      'p.id as patient_id',
      'p.name',
      'p.sex',
      'p.birth_date',
      'p.village',
      'p.phone',
      'p.poverty_registered',
      'p.hospital_id',
      'h.name_zh as hospital_name',
      'pc.id as case_id',
      'pc.diagnosis',
      'pc.icd10',
      'pc.status',
      nextDueSql.as('due_date'),
      lastDate.as('last_date'),
    ])
    .orderBy('due_date')
    .orderBy('p.name')
    .limit(q.limit ?? 200)
    .execute();
}
