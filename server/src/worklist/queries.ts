/**
 * Worklist queries. Every row of patient data is filtered by the access policy (`visibleCases`,
 * `visibleReports`); the clauses added here only say which of the visible rows need the user now (state,
 * assignee, team seat). The administrators' figures are counts, never a patient.
 */
import { sql } from 'kysely';
import { SLA_RUNNING_STATES, WORKLIST_IDLE_DAYS, WORKLIST_SECTION_LIMIT } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleReports } from '../access/policy';

const LIMIT = WORKLIST_SECTION_LIMIT;

export { drafts, returned, triageQueue, myCases, readings, type CaseRow } from './section-queries';

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
