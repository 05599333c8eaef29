/**
 * The access capability's SQL: the policy's questions about cases (standing, audiences, permitted sets) and the
 * care team (its own table). `db | trx` first.
 */
import { sql } from 'kysely';
import { CASE_RELATIONS, type CaseAction, type CaseRelation, type TeamPurpose } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import {
  actorWho,
  caseWhere,
  relation,
  relationColumns,
  userWho,
  visibleCases,
  visibleStudies,
} from './relation-queries';

export const membersOf = (db: Executor, consultationId: string) =>
  db
    .selectFrom('care_team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('users as by', 'by.id', 'm.added_by')
    .select([
      'm.user_id',
      'm.purpose',
      'm.added_at',
      'u.display_name',
      'u.role',
      'u.hospital_id',
      'by.display_name as added_by_name',
    ])
    .where('m.consultation_id', '=', consultationId)
    .orderBy('m.added_at')
    .execute();

export const people = (db: Executor, ids: string[]) =>
  ids.length
    ? db
        .selectFrom('users')
        .select(['id', 'display_name', 'role', 'hospital_id', 'disabled'])
        .where('id', 'in', ids)
        .execute()
    : Promise.resolve([]);

export const candidatesAt = (db: Executor, hospitalId: string, roles: readonly string[]) =>
  db
    .selectFrom('users')
    .select(['id', 'display_name', 'role'])
    .where('hospital_id', '=', hospitalId)
    .where('role', 'in', roles as never)
    .where('disabled', '=', false)
    .orderBy('display_name')
    .execute();

export async function insertMember(
  db: Executor,
  m: { consultationId: string; userId: string; purpose: TeamPurpose; addedBy: string },
): Promise<boolean> {
  const r = await db
    .insertInto('care_team_members')
    .values({ consultation_id: m.consultationId, user_id: m.userId, purpose: m.purpose, added_by: m.addedBy })
    .onConflict((oc) => oc.columns(['consultation_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteMember(db: Executor, consultationId: string, userId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('care_team_members')
    .where('consultation_id', '=', consultationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The consultation facts the policy reads alongside the relations. */
export interface CaseFacts {
  id: string;
  state: string;
  patient_id: string;
  case_id: string;
  requesting_hospital_id: string;
  target_hospital_id: string;
  requester_id: string;
  assigned_to: string | null;
  shared_for_teaching: boolean;
}

export interface CaseStanding {
  facts: CaseFacts;
  relations: CaseRelation[];
}

/**
 * The actor's relations to the consultation aliased `c`, as columns to add to a query that reads the case anyway
 * (one query instead of that query + `standing`); read them back with `relationsOf`.
 */
export const standingColumns = (actor: Actor, c = 'c') => relationColumns(actorWho(actor), c);

/** The relations in a row selected with `standingColumns`. */
export const relationsOf = (row: object): CaseRelation[] =>
  CASE_RELATIONS.filter((r) => (row as Record<string, unknown>)[`rel_${r}`] === true);

/** How the actor stands to the case now (null when the case does not exist). */
export async function standing(
  db: Executor,
  actor: Actor,
  consultationId: string,
): Promise<CaseStanding | null> {
  const row = await db
    .selectFrom('consultations as c')
    .select([
      'c.id',
      'c.state',
      'c.patient_id',
      'c.case_id',
      'c.requesting_hospital_id',
      'c.target_hospital_id',
      'c.requester_id',
      'c.assigned_to',
      'c.shared_for_teaching',
    ])
    .select(standingColumns(actor))
    .where('c.id', '=', consultationId)
    .executeTakeFirst();
  if (!row) return null;
  const relations = relationsOf(row);
  const { id, state, patient_id, case_id, requesting_hospital_id, target_hospital_id } = row;
  return {
    facts: {
      id,
      state,
      patient_id,
      case_id,
      requesting_hospital_id,
      target_hospital_id,
      requester_id: row.requester_id,
      assigned_to: row.assigned_to,
      shared_for_teaching: row.shared_for_teaching,
    },
    relations,
  };
}

/** The columns of a consultation the relations read (a row as it was before a change, for its old audience). */
export type CaseSnapshot = Pick<
  CaseFacts,
  'id' | 'state' | 'requesting_hospital_id' | 'target_hospital_id' | 'assigned_to'
>;

const snapshotTable = (c: CaseSnapshot) =>
  sql`(select ${c.id}::uuid as id, ${c.state}::text as state,
    ${c.requesting_hospital_id}::uuid as requesting_hospital_id, ${c.target_hospital_id}::uuid as target_hospital_id,
    ${c.assigned_to}::uuid as assigned_to, false as shared_for_teaching)`.as('c');

/**
 * Active users who may do `action` on the case (the audience of a push or a notification): as it is now, or as a
 * snapshot row stood (who could see it before a change). Teaching viewers are never an audience: a round shows
 * a case, it does not subscribe anyone to it.
 */
export async function caseAudience(
  db: Executor,
  c: string | CaseSnapshot,
  action: CaseAction = 'case:read',
): Promise<string[]> {
  const base =
    typeof c === 'string'
      ? db.selectFrom('users as u').innerJoin('consultations as c', (j) => j.on('c.id', '=', c))
      : db.selectFrom('users as u').innerJoin(snapshotTable(c), (j) => j.onTrue());
  const rows = await base
    .select('u.id')
    .where('u.disabled', '=', false)
    .where(() => caseWhere(userWho('u'), action === 'case:view-images' ? 'case:read' : action))
    .execute();
  return rows.map((r) => r.id);
}

/** Active users who stand to the case in `rel` now (e.g. the triage queue that should hear of a new request). */
export async function usersWithRelation(
  db: Executor,
  consultationId: string,
  rel: CaseRelation,
): Promise<string[]> {
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('consultations as c', (j) => j.on('c.id', '=', consultationId))
    .select('u.id')
    .where('u.disabled', '=', false)
    .where(() => relation(rel, userWho('u')))
    .execute();
  return rows.map((r) => r.id);
}

/**
 * May the actor view this study (by UID) at one of `hospitalIds`? Used before linking a study to a case: nobody
 * links what they cannot see themselves.
 */
export async function canViewStudyAt(
  db: Executor,
  actor: Actor,
  studyUid: string,
  hospitalIds: string[],
): Promise<boolean> {
  const row = await db
    .selectFrom('imaging_studies')
    .select('id')
    .where('study_uid', '=', studyUid)
    .where('hospital_id', 'in', hospitalIds)
    .where(visibleStudies(actor))
    .executeTakeFirst();
  return !!row;
}

/** Of `ids`, the cases the actor may do `action` on, with their state. */
export async function permittedCases(
  db: Executor,
  actor: Actor,
  ids: string[],
  action: CaseAction,
): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('consultations as c')
    .select(['c.id', 'c.state'])
    .where('c.id', 'in', ids)
    .where(visibleCases(actor, action))
    .execute();
  return new Map(rows.map((r) => [r.id, r.state]));
}
