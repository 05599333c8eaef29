/**
 * Worklist queries. Every row of patient data is filtered by the access policy (`visibleCases`,
 * `visibleReports`); the clauses added here only say which of the visible rows need the user now (state,
 * assignee, team seat). The administrators' figures are counts, never a patient.
 */
import { sql } from 'kysely';
import {
  QUEUE_STATES,
  SLA_RUNNING_STATES,
  TERMINAL_STATES,
  WORKLIST_IDLE_DAYS,
  WORKLIST_SECTION_LIMIT,
} from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleCases, visibleReports } from '../access/policy';

const LIMIT = WORKLIST_SECTION_LIMIT;

/** Which hospital a case row names: the one the county asked, or the one asking the consulting side. */
export type Counterpart = 'target' | 'requesting';

function caseRows(db: Executor, actor: Actor, counterpart: Counterpart, now: Date) {
  const hospital =
    counterpart === 'target' ? sql.ref('c.target_hospital_id') : sql.ref('c.requesting_hospital_id');
  return db
    .selectFrom('consultations as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('patient_cases as pc', 'pc.id', 'c.case_id')
    .where(visibleCases(actor))
    .select([
      'c.id',
      'c.type',
      'c.urgency',
      'c.state',
      'c.updated_at',
      'c.sla_due_at',
      'c.return_reason',
      'p.name as patient_name',
      'p.poverty_registered',
      'pc.diagnosis',
      sql<string>`(select h.name_zh from hospitals h where h.id = ${hospital})`.as('counterpart_zh'),
      sql<string>`(select h.name_en from hospitals h where h.id = ${hospital})`.as('counterpart_en'),
      sql<string | null>`(select u.display_name from users u where u.id = c.assigned_to)`.as('assignee_name'),
      sql<string | null>`(select m.purpose from care_team_members m
        where m.consultation_id = c.id and m.user_id = ${actor.id}::uuid)`.as('team_purpose'),
      sql<number>`(select count(*) from consultation_studies cs where cs.consultation_id = c.id)`.as(
        'study_count',
      ),
      sql<boolean>`(c.state in (${sql.join(SLA_RUNNING_STATES.map((s) => sql.lit(s)))})
        and c.sla_due_at is not null and c.sla_due_at < ${now})`.as('sla_breached'),
      sql<number>`count(*) over ()`.as('total'),
    ])
    .limit(LIMIT);
}
export type CaseRow = Awaited<ReturnType<ReturnType<typeof caseRows>['execute']>>[number];

const terminal = sql.join(TERMINAL_STATES.map((s) => sql.lit(s)));
/** Assigned to the actor, or the actor is an added member of the care team. */
const onMyTeam = (actor: Actor, purpose?: string) =>
  sql<boolean>`(c.assigned_to = ${actor.id}::uuid or exists (select 1 from care_team_members m
    where m.consultation_id = c.id and m.user_id = ${actor.id}::uuid
    ${purpose ? sql`and m.purpose = ${purpose}` : sql``}))`;

/** The county doctor's own drafts, last edited first. */
export const drafts = (db: Executor, actor: Actor, now: Date) =>
  caseRows(db, actor, 'target', now)
    .where('c.state', '=', 'draft')
    .where('c.requester_id', '=', actor.id)
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id')
    .execute();

/** Requests of the actor's hospital sent back for information, oldest return first. */
export const returned = (db: Executor, actor: Actor, now: Date) =>
  caseRows(db, actor, 'target', now)
    .where('c.state', '=', 'returned_for_information')
    .orderBy('c.updated_at')
    .orderBy('c.id')
    .execute();

/** The triage queue of the actor's hospital: due soonest first (no due time last). */
export const triageQueue = (db: Executor, actor: Actor, now: Date) =>
  caseRows(db, actor, 'requesting', now)
    .where('c.state', 'in', [...QUEUE_STATES])
    .where('c.target_hospital_id', '=', actor.hospitalId ?? '00000000-0000-0000-0000-000000000000')
    .orderBy(sql`c.sla_due_at asc nulls last`)
    .orderBy('c.id')
    .execute();

/** Open cases assigned to the actor or whose team they were added to, last changed first. */
export const myCases = (db: Executor, actor: Actor, now: Date) =>
  caseRows(db, actor, 'requesting', now)
    .where(() => onMyTeam(actor))
    .where(sql<boolean>`c.state not in (${terminal})`)
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id')
    .execute();

/**
 * Image readings: open cases assigned to the radiologist or whose team they joined for imaging, without a signed
 * report yet; oldest first.
 */
export const readings = (db: Executor, actor: Actor, now: Date) =>
  caseRows(db, actor, 'requesting', now)
    .where(() => onMyTeam(actor, 'imaging'))
    .where(sql<boolean>`c.state not in (${terminal})`)
    .where(
      sql<boolean>`not exists (select 1 from reports r where r.consultation_id = c.id and r.current_version > 0)`,
    )
    .orderBy('c.updated_at')
    .orderBy('c.id')
    .execute();

/** Signed reports the county has not acknowledged yet, oldest signature first. */
export const toAcknowledge = (db: Executor, actor: Actor) =>
  db
    .selectFrom('reports as r')
    .innerJoin('consultations as c', 'c.id', 'r.consultation_id')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('users as a', 'a.id', 'r.author_id')
    .innerJoin('report_versions as v', (j) =>
      j.onRef('v.report_id', '=', 'r.id').onRef('v.version', '=', 'r.current_version'),
    )
    .where(visibleReports(actor))
    .where('r.status', '=', 'signed')
    .where('c.requesting_hospital_id', '=', actor.hospitalId ?? '00000000-0000-0000-0000-000000000000')
    .select([
      'r.id',
      'r.consultation_id',
      'r.report_number',
      'p.name as patient_name',
      'p.poverty_registered',
      'a.display_name as author_name',
      'v.signed_at',
      sql<number>`count(*) over ()`.as('total'),
    ])
    .orderBy('v.signed_at')
    .orderBy('r.id')
    .limit(LIMIT)
    .execute();

/**
 * Rounds of today (in `timeZone`) the actor hosts or is invited to, and any live one of theirs; not ended.
 */
export const roundsToday = (db: Executor, actor: Actor, now: Date, timeZone: string) =>
  db
    .selectFrom('rounds as r')
    .where((eb) =>
      eb.or([
        eb('r.host_id', '=', actor.id),
        eb.exists(
          eb
            .selectFrom('round_invitees as ri')
            .select('ri.user_id')
            .whereRef('ri.round_id', '=', 'r.id')
            .where('ri.user_id', '=', actor.id),
        ),
      ]),
    )
    .where('r.status', '<>', 'ended')
    .where(
      sql<boolean>`(r.status = 'live' or (r.scheduled_at at time zone ${timeZone})::date
        = (${now}::timestamptz at time zone ${timeZone})::date)`,
    )
    .select([
      'r.id',
      'r.title',
      'r.status',
      'r.scheduled_at',
      sql<boolean>`r.host_id = ${actor.id}::uuid`.as('hosting'),
      sql<number>`(select count(*) from round_agenda_items ai where ai.round_id = r.id)`.as('agenda_count'),
      sql<number>`count(*) over ()`.as('total'),
    ])
    .orderBy('r.scheduled_at')
    .orderBy('r.id')
    .limit(LIMIT)
    .execute();

/** Requests past their response time, per target hospital (most first). */
export const slaBreachesByHospital = (db: Executor, now: Date) =>
  db
    .selectFrom('consultations as c')
    .innerJoin('hospitals as h', 'h.id', 'c.target_hospital_id')
    .where('c.state', 'in', [...SLA_RUNNING_STATES])
    .where('c.sla_due_at', '<', now)
    .groupBy(['h.id', 'h.name_zh', 'h.name_en'])
    .select(['h.id', 'h.name_zh', 'h.name_en', (eb) => eb.fn.countAll<number>().as('n')])
    .orderBy('n', 'desc')
    .orderBy('h.name_en')
    .execute();

/** Active pairings whose county sent its tertiary hospital no request changed in the idle window. */
export function idlePairings(db: Executor, now: Date) {
  const since = new Date(now.getTime() - WORKLIST_IDLE_DAYS * 86_400_000);
  const last = sql<Date | null>`(select max(c.updated_at) from consultations c
    where c.requesting_hospital_id = pr.county_hospital_id and c.target_hospital_id = pr.tertiary_hospital_id)`;
  return db
    .selectFrom('pairings as pr')
    .innerJoin('hospitals as t', 't.id', 'pr.tertiary_hospital_id')
    .innerJoin('hospitals as k', 'k.id', 'pr.county_hospital_id')
    .where('pr.active', '=', true)
    .where(sql<boolean>`coalesce(${last} < ${since}, true)`)
    .select([
      'pr.id',
      'pr.program_name',
      't.name_zh as tertiary_zh',
      't.name_en as tertiary_en',
      'k.name_zh as county_zh',
      'k.name_en as county_en',
      last.as('last_activity'),
    ])
    .orderBy(sql`${last} asc nulls first`)
    .orderBy('k.name_en')
    .execute();
}

export const disabledUsers = async (db: Executor) =>
  Number(
    (
      await db
        .selectFrom('users')
        .where('disabled', '=', true)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
