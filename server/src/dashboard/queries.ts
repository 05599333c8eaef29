/**
 * Program dashboard aggregations, all in SQL (PostgreSQL 15 and PGlite 17): grouping sets give per-pairing,
 * per-county, per-program and total figures in one pass; percentile_cont gives median/p90. Days are UTC.
 * Indexes used: consultations (requesting_hospital_id, submitted_at) and (submitted_at), reports (consultation_id),
 * rounds (status, started_at), round_invitees (user_id), round_recordings (round_id).
 */
import { sql, type RawBuilder } from 'kysely';
import type { DashboardQuery, Locale } from '@consult/shared';
import type { Executor } from '../db/database';

/** The pairings in scope (the filter): the (tertiary, county) pairs whose activity counts. */
function scopeCte(q: DashboardQuery): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [sql`true`];
  if (q.programName) conds.push(sql`pr.program_name = ${q.programName}`);
  if (q.pairingId) conds.push(sql`pr.id = ${q.pairingId}`);
  if (q.countyHospitalId) conds.push(sql`pr.county_hospital_id = ${q.countyHospitalId}`);
  return sql`sc as (
    select pr.id as pairing_id, pr.tertiary_hospital_id, pr.county_hospital_id, pr.program_name
    from pairings pr where ${sql.join(conds, sql` and `)}
  )`;
}

const range = (col: RawBuilder<unknown>, q: DashboardQuery) =>
  sql`${col} >= (${q.from}::date)::timestamp at time zone 'UTC' and ${col} < ((${q.to}::date + 1))::timestamp at time zone 'UTC'`;

function consultationsCte(q: DashboardQuery): RawBuilder<unknown> {
  return sql`base as (
    select s.pairing_id, s.county_hospital_id, s.program_name, c.id, c.type, c.state, c.patient_id, c.submitted_at,
      p.poverty_registered,
      extract(epoch from (r.first_signed_at - c.submitted_at)) / 3600.0 as h_report,
      (c.sla_due_at is not null and (
        (c.responded_at is not null and c.responded_at > c.sla_due_at)
        or (c.responded_at is null and c.state in ('submitted', 'triaged') and now() > c.sla_due_at))) as breached,
      (r.first_signed_at is not null) as signed,
      (r.acknowledged_at is not null) as acked
    from consultations c
    join sc s on s.tertiary_hospital_id = c.target_hospital_id and s.county_hospital_id = c.requesting_hospital_id
    join patients p on p.id = c.patient_id
    left join reports r on r.consultation_id = c.id
    where c.submitted_at is not null and ${range(sql`c.submitted_at`, q)}
  )`;
}

export interface ConsultationAggRow {
  g_pairing: number;
  g_county: number;
  g_program: number;
  pairing_id: string | null;
  county_hospital_id: string | null;
  program_name: string | null;
  consultations: number;
  sla_breaches: number;
  median_report: number | null;
  p90_report: number | null;
  reports_signed: number;
  reports_acknowledged: number;
  patients: number;
  poverty_patients: number;
}

export async function consultationAggregates(db: Executor, q: DashboardQuery): Promise<ConsultationAggRow[]> {
  const r = await sql<ConsultationAggRow>`with ${scopeCte(q)}, ${consultationsCte(q)}
    select grouping(pairing_id) as g_pairing, grouping(county_hospital_id) as g_county, grouping(program_name) as g_program,
      pairing_id, county_hospital_id, program_name,
      count(*) as consultations,
      count(*) filter (where breached) as sla_breaches,
      percentile_cont(0.5) within group (order by h_report) as median_report,
      percentile_cont(0.9) within group (order by h_report) as p90_report,
      count(*) filter (where signed) as reports_signed,
      count(*) filter (where acked) as reports_acknowledged,
      count(distinct patient_id) as patients,
      count(distinct patient_id) filter (where poverty_registered) as poverty_patients
    from base
    group by grouping sets ((pairing_id), (county_hospital_id), (program_name), ())`.execute(db);
  return r.rows;
}

export async function breakdown(
  db: Executor,
  q: DashboardQuery,
  by: 'type' | 'state',
): Promise<{ key: string; count: number }[]> {
  const col = by === 'type' ? sql`type` : sql`state`;
  const r = await sql<{ key: string; count: number }>`with ${scopeCte(q)}, ${consultationsCte(q)}
    select ${col} as key, count(*) as count from base group by ${col} order by count(*) desc, ${col}`.execute(
    db,
  );
  return r.rows.map((x) => ({ key: x.key, count: Number(x.count) }));
}

export async function monthly(
  db: Executor,
  q: DashboardQuery,
): Promise<{ month: string; consultations: number; reports_signed: number }[]> {
  const r = await sql<{
    month: string;
    consultations: number;
    reports_signed: number;
  }>`with ${scopeCte(q)}, ${consultationsCte(q)}
    select to_char(submitted_at at time zone 'UTC', 'YYYY-MM') as month, count(*) as consultations,
      count(*) filter (where signed) as reports_signed
    from base group by 1 order by 1`.execute(db);
  return r.rows;
}

/** Rounds held (ended, started in range) with an invitee from a county hospital in scope, hosted by its partner. */
function roundsCte(q: DashboardQuery): RawBuilder<unknown> {
  return sql`rr as (
    select distinct s.pairing_id, s.county_hospital_id, s.program_name, r.id as round_id, r.started_at,
      extract(epoch from (r.ended_at - r.started_at)) / 3600.0 as hours
    from rounds r
    join round_invitees ri on ri.round_id = r.id
    join users u on u.id = ri.user_id
    join sc s on s.county_hospital_id = u.hospital_id and s.tertiary_hospital_id = r.hospital_id
    where r.status = 'ended' and r.started_at is not null and r.ended_at is not null and ${range(sql`r.started_at`, q)}
  )`;
}

export type RoundLevel = 'pairing' | 'county' | 'program' | 'total';
export interface RoundAggRow {
  key: string | null;
  rounds: number;
  hours: number | null;
  recordings: number;
}

/** Rounds and hours per level, counting each round once per group (a round may invite several counties). */
export async function roundAggregates(
  db: Executor,
  q: DashboardQuery,
  level: RoundLevel,
): Promise<RoundAggRow[]> {
  const key =
    level === 'pairing'
      ? sql`pairing_id::text`
      : level === 'county'
        ? sql`county_hospital_id::text`
        : level === 'program'
          ? sql`program_name`
          : sql`null::text`;
  const r = await sql<RoundAggRow>`with ${scopeCte(q)}, ${roundsCte(q)},
    g as (select distinct ${key} as key, round_id, hours from rr)
    select g.key, count(*) as rounds, sum(g.hours) as hours,
      coalesce(sum((select count(*) from round_recordings rec where rec.round_id = g.round_id and rec.status = 'ready')), 0) as recordings
    from g group by g.key`.execute(db);
  return r.rows;
}

export async function monthlyRounds(
  db: Executor,
  q: DashboardQuery,
): Promise<{ month: string; rounds: number }[]> {
  const r = await sql<{ month: string; rounds: number }>`with ${scopeCte(q)}, ${roundsCte(q)}
    select to_char(started_at at time zone 'UTC', 'YYYY-MM') as month, count(distinct round_id) as rounds
    from rr group by 1 order by 1`.execute(db);
  return r.rows;
}

export async function scopePairings(
  db: Executor,
  q: Pick<DashboardQuery, 'programName' | 'pairingId' | 'countyHospitalId'>,
) {
  return db
    .selectFrom('pairings as pr')
    .innerJoin('hospitals as t', 't.id', 'pr.tertiary_hospital_id')
    .innerJoin('hospitals as c', 'c.id', 'pr.county_hospital_id')
    .select([
      'pr.id',
      'pr.program_name',
      'pr.county_hospital_id',
      't.name_zh as t_zh',
      't.name_en as t_en',
      'c.name_zh as c_zh',
      'c.name_en as c_en',
    ])
    .$if(!!q.programName, (b) => b.where('pr.program_name', '=', q.programName!))
    .$if(!!q.pairingId, (b) => b.where('pr.id', '=', q.pairingId!))
    .$if(!!q.countyHospitalId, (b) => b.where('pr.county_hospital_id', '=', q.countyHospitalId!))
    .orderBy('pr.program_name')
    .orderBy('c.name_en')
    .execute();
}

export async function userLocale(db: Executor, userId: string): Promise<Locale> {
  const u = await db.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirst();
  return u?.locale ?? 'zh-CN';
}

/**
 * The dashboard's data version (moved by the triggers of migration 2026_12_03_1560_lists_scale), the database's
 * clock, and the next SLA due time among requests still waiting for a response (an index probe).
 */
export async function dataVersion(
  db: Executor,
): Promise<{ version: string; at: Date; horizon: Date | null }> {
  const r = await sql<{ v: string; at: Date; horizon: Date | null }>`select
      (select v::text from dashboard_version where id = 1) as v, now() as at,
      (select min(c.sla_due_at) from consultations c where c.state in ('submitted', 'triaged')
        and c.responded_at is null and c.sla_due_at >= now()) as horizon`.execute(db);
  const row = r.rows[0]!;
  return { version: row.v, at: new Date(row.at), horizon: row.horizon ? new Date(row.horizon) : null };
}
