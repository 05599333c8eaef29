/**
 * The access policy, as every capability asks it: "may this actor do this action on this case / study / patient".
 * Rules: shared/src/access.ts (relation × action); relations from current data: ./relations.ts. Nothing here
 * caches: a removal from the team, the end of a round or a consent withdrawn applies to the very next question.
 *
 * Answers: a case the actor has no relation to reads as absent (404, existence not leaked); a case they stand to
 * but whose action their relations do not grant is 403 naming the action.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import {
  allows,
  CASE_RELATIONS,
  CARE_TEAM_RELATIONS,
  grantedActions,
  type CaseAccess,
  type CaseAction,
  type CaseRelation,
} from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { DomainError, notFound } from '../errors';
import {
  actorWho,
  caseWhere,
  patientWhere,
  relation,
  relationColumns,
  studyWhere,
  userWho,
} from './relations';

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
    .select(relationColumns(actorWho(actor)))
    .where('c.id', '=', consultationId)
    .executeTakeFirst();
  if (!row) return null;
  const flags = row as unknown as Record<string, unknown>;
  const relations = CASE_RELATIONS.filter((r) => flags[`rel_${r}`] === true);
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

const ACTION_WORDS: Record<CaseAction, string> = {
  'case:read': 'read this case',
  'case:message': 'write in this case',
  'case:view-images': "view this case's images",
  'case:annotate': "annotate this case's images",
  'case:link-images': 'link images to this case',
  'case:read-report': "read this case's report",
  'case:read-draft': "read this case's report draft",
  'case:manage-team': "change this case's care team",
  'case:present': 'present this case in a round',
  'case:share-teaching': 'share this case for teaching',
};

/**
 * The case, when the actor may do `action` on it; otherwise 404 (no relation that lets them read it) or 403
 * (they are on the case but their part in it does not include `action`).
 */
export async function assertCase(
  db: Executor,
  actor: Actor,
  consultationId: string,
  action: CaseAction,
): Promise<CaseStanding> {
  const s = await standing(db, actor, consultationId);
  if (!s || !(allows(s.relations, 'case:read') || allows(s.relations, action)))
    throw notFound('consultation');
  if (!allows(s.relations, action)) {
    throw new DomainError(
      'forbidden',
      `your part in this case (${s.relations.join(', ')}) does not let you ${ACTION_WORDS[action]}`,
    );
  }
  return s;
}

export function caseAccess(relations: CaseRelation[]): CaseAccess {
  return { relations, actions: grantedActions(relations) };
}

/** Is the actor on the care team (a relation other than a round's teaching view)? */
export const onCareTeam = (relations: CaseRelation[]) =>
  relations.some((r) => CARE_TEAM_RELATIONS.includes(r));

/** WHERE for `consultations as c`: cases the actor may do `action` on (default: read). */
export const visibleCases =
  (actor: Actor, action: CaseAction = 'case:read') =>
  (): Expression<SqlBool> =>
    caseWhere(actorWho(actor), action);

/** WHERE for `imaging_studies`: studies the actor may do `action` on (default: view). */
export const visibleStudies =
  (actor: Actor, action: CaseAction = 'case:view-images') =>
  (): Expression<SqlBool> =>
    studyWhere(actorWho(actor), action);

/**
 * WHERE for `reports as r` joined to its `consultations as c`: signed reports of cases whose report the actor may
 * read; drafts (no signed version yet) only for those who may read drafts (the consulting side of the team).
 */
export const visibleReports = (actor: Actor) => (): Expression<SqlBool> => {
  const who = actorWho(actor);
  return sql<SqlBool>`(${caseWhere(who, 'case:read-report')} and (r.current_version > 0 or ${caseWhere(who, 'case:read-draft')}))`;
};

/** WHERE for `patients as p`: patient files the actor may read. */
export const visiblePatients = (actor: Actor) => (): Expression<SqlBool> => patientWhere(actorWho(actor));

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

/** Users (of `ids`) who may do `action` on the case now. */
export async function whoMay(
  db: Executor,
  consultationId: string,
  ids: string[],
  action: CaseAction,
): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('consultations as c', (j) => j.on('c.id', '=', consultationId))
    .select('u.id')
    .where('u.id', 'in', ids)
    .where('u.disabled', '=', false)
    .where(() => caseWhere(userWho('u'), action))
    .execute();
  return new Set(rows.map((r) => r.id));
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
