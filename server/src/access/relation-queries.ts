/**
 * The relations of shared/src/access.ts, derived from current data in SQL: the ONE place that says who stands how
 * to a consultation case. Every other capability filters through `caseWhere`, `studyWhere`, `patientWhere`
 * (lists and single rows alike) or asks the policy (policy.ts), which uses these same expressions.
 *
 * Each relation is written once over a "who" — either the signed-in actor (bound values) or a row of `users`
 * (column references, for "who should hear about this case"), so the audience of a push and the readers of a
 * row can never disagree.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import {
  CASE_RELATIONS,
  CLINICAL_ROLES,
  HOSPITAL_CLINICIAN_ROLES,
  QUEUE_ROLES,
  QUEUE_STATES,
  can,
  Permission,
  ROLES,
  relationsGranting,
  type CaseAction,
  type CaseRelation,
} from '@consult/shared';
import type { Actor } from '../auth/actor';

/** A user, as SQL: bound values for the actor, column references for a `users` row. */
export interface Who {
  id: RawBuilder<unknown>;
  hospitalId: RawBuilder<unknown>;
  role: RawBuilder<unknown>;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export const actorWho = (a: Pick<Actor, 'id' | 'role' | 'hospitalId'>): Who => ({
  id: sql`${a.id}::uuid`,
  hospitalId: sql`${a.hospitalId ?? NIL_UUID}::uuid`,
  role: sql`${a.role}::text`,
});

export const userWho = (alias: string): Who => ({
  id: sql.ref(`${alias}.id`),
  hospitalId: sql.ref(`${alias}.hospital_id`),
  role: sql.ref(`${alias}.role`),
});

const list = (xs: readonly string[]) =>
  sql.join(
    xs.map((x) => sql.lit(x)),
    sql`, `,
  );
const JOINING_ROLES = ROLES.filter((r) => can(r, Permission.RoundsJoin));

/** Takes part in the round `r`: its host, an invitee, or a host-hospital colleague whose role may join rounds. */
export function roundParticipant(who: Who, r = 'r'): RawBuilder<SqlBool> {
  const rr = (col: string) => sql.ref(`${r}.${col}`);
  return sql<SqlBool>`(${rr('host_id')} = ${who.id}
    or exists (select 1 from round_invitees ri where ri.round_id = ${rr('id')} and ri.user_id = ${who.id})
    or (${rr('hospital_id')} = ${who.hospitalId} and ${who.role} in (${list(JOINING_ROLES)})))`;
}

/** One relation of `who` to the consultation aliased `c`, as a boolean SQL expression. */
export function relation(rel: CaseRelation, who: Who, c = 'c'): RawBuilder<SqlBool> {
  const col = (name: string) => sql.ref(`${c}.${name}`);
  switch (rel) {
    case 'owner':
      // A service client of the requesting hospital stands here too (and nowhere else: it is never assigned,
      // never on a team, never in a queue or a round).
      return sql<SqlBool>`(${col('requesting_hospital_id')} = ${who.hospitalId} and ${who.role} in (${list(HOSPITAL_CLINICIAN_ROLES)}))`;
    case 'triage':
      return sql<SqlBool>`(${col('target_hospital_id')} = ${who.hospitalId} and ${who.role} in (${list(QUEUE_ROLES)})
        and ${col('state')} in (${list(QUEUE_STATES)}))`;
    case 'consultant':
      return sql<SqlBool>`(${col('assigned_to')} = ${who.id} and ${who.role} in (${list(CLINICAL_ROLES)}))`;
    case 'member':
      return sql<SqlBool>`(${who.role} in (${list(CLINICAL_ROLES)}) and exists (select 1 from care_team_members m
        where m.consultation_id = ${col('id')} and m.user_id = ${who.id}))`;
    case 'teaching':
      // Never a draft: a request that has not left the county is on no agenda (rounds refuse it) and grants nothing.
      return sql<SqlBool>`(${col('shared_for_teaching')} and ${col('state')} <> 'draft' and exists (
        select 1 from round_agenda_items ai join rounds r on r.id = ai.round_id
        where ai.consultation_id = ${col('id')} and r.status = 'live' and ${roundParticipant(who, 'r')}))`;
  }
}

const anyOf = (parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> =>
  parts.length ? sql<SqlBool>`(${sql.join(parts, sql` or `)})` : sql<SqlBool>`false`;

/** `who` may do `action` on the consultation aliased `c` (the OR of the relations granting it). */
export function caseWhere(who: Who, action: CaseAction, c = 'c'): RawBuilder<SqlBool> {
  return anyOf(relationsGranting(action).map((r) => relation(r, who, c)));
}

/**
 * The same set as `caseWhere(who, action, c)`, one predicate per granting relation: a list reads their UNION
 * (= the OR) so each branch walks its own index in page order instead of filtering every row of the table.
 */
export function caseBranches(who: Who, action: CaseAction, c = 'c'): RawBuilder<SqlBool>[] {
  return relationsGranting(action).map((r) => relation(r, who, c));
}

/** Every relation of `who` to `c`, as boolean columns named after the relations. */
export function relationColumns(who: Who, c = 'c') {
  return CASE_RELATIONS.map((r) => relation(r, who, c).as(`rel_${r}`));
}

/**
 * Is `who` a clinician of the hospital whose id is `hospitalCol`? (hospital-owned patient files and studies; a
 * service client of that hospital counts, limited by its permissions at the route.)
 */
export function hospitalClinician(who: Who, hospitalCol: Expression<unknown> | RawBuilder<unknown>) {
  return sql<SqlBool>`(${hospitalCol} = ${who.hospitalId} and ${who.role} in (${list(HOSPITAL_CLINICIAN_ROLES)}))`;
}

/**
 * `who` may do `action` on the study aliased `s` (imaging_studies): its own hospital's clinicians (for
 * hospital-owned data), or through a case linked to it — only when the study belongs to the case's requesting
 * hospital (a link cannot open another hospital's study that shares the UID).
 */
export function studyWhere(who: Who, action: CaseAction, s = 'imaging_studies'): RawBuilder<SqlBool> {
  const col = (name: string) => sql.ref(`${s}.${name}`);
  const own = hospitalOwnedActions.has(action) ? [hospitalClinician(who, col('hospital_id'))] : [];
  return anyOf([
    ...own,
    sql<SqlBool>`exists (select 1 from consultation_studies cs join consultations sc on sc.id = cs.consultation_id
      where cs.study_instance_uid = ${col('study_uid')} and sc.requesting_hospital_id = ${col('hospital_id')}
      and ${caseWhere(who, action, 'sc')})`,
  ]);
}

/** Actions a hospital's clinicians hold on their hospital's own patient data (files and studies). */
const hospitalOwnedActions = new Set<CaseAction>(['case:read', 'case:view-images', 'case:annotate']);

/** `who` may read the patient aliased `p`: their hospital's clinician, or through a case of theirs. */
export function patientWhere(who: Who, p = 'p'): RawBuilder<SqlBool> {
  return anyOf([
    hospitalClinician(who, sql.ref(`${p}.hospital_id`)),
    sql<SqlBool>`exists (select 1 from consultations pc_c where pc_c.patient_id = ${sql.ref(`${p}.id`)}
      and ${caseWhere(who, 'case:read', 'pc_c')})`,
  ]);
}

/** WHERE for `consultations as c`: cases the actor may do `action` on (default: read). */
export const visibleCases =
  (actor: Actor, action: CaseAction = 'case:read') =>
  (): Expression<SqlBool> =>
    caseWhere(actorWho(actor), action);

/** `visibleCases` split per relation (see caseBranches): OR-ing the branches gives exactly `visibleCases`. */
export const visibleCaseBranches = (actor: Actor, action: CaseAction = 'case:read') =>
  caseBranches(actorWho(actor), action);

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
