import { sql, type RawBuilder } from 'kysely';
import type { StatsQuery } from '@consult/shared';
import type { Executor } from '../db/database';

/**
 * Program statistics, computed in SQL (percentile_cont works on PostgreSQL 15 and PGlite). Requests count in the
 * range by their submission time; hours are from (latest) submission to acceptance / completion.
 */
function baseCte(q: StatsQuery): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [sql`c.submitted_at is not null`];
  if (q.from) conds.push(sql`c.submitted_at >= ${q.from}::date`);
  if (q.to) conds.push(sql`c.submitted_at < (${q.to}::date + 1)`);
  if (q.countyHospitalId) conds.push(sql`c.requesting_hospital_id = ${q.countyHospitalId}`);
  if (q.pairingId) {
    conds.push(
      sql`exists (select 1 from pairings pr where pr.id = ${q.pairingId} and pr.tertiary_hospital_id = c.target_hospital_id and pr.county_hospital_id = c.requesting_hospital_id)`,
    );
  }
  return sql`base as (
    select c.id, c.type, c.urgency, c.state, c.patient_id, c.requesting_hospital_id, c.target_hospital_id, p.poverty_registered,
      extract(epoch from (c.accepted_at - c.submitted_at)) / 3600.0 as h_accept,
      extract(epoch from (c.completed_at - c.submitted_at)) / 3600.0 as h_report,
      (c.sla_due_at is not null and (
        (c.responded_at is not null and c.responded_at > c.sla_due_at)
        or (c.responded_at is null and c.state in ('submitted', 'triaged') and now() > c.sla_due_at))) as breached
    from consultations c join patients p on p.id = c.patient_id
    where ${sql.join(conds, sql` and `)}
  )`;
}

export interface PairingAggRow {
  target_hospital_id: string;
  requesting_hospital_id: string;
  total: number;
  median_accept: number | null;
  p90_accept: number | null;
  median_report: number | null;
  p90_report: number | null;
  breaches: number;
  poverty: number;
}

export async function pairingAggregates(db: Executor, q: StatsQuery) {
  const r = await sql<PairingAggRow>`with ${baseCte(q)}
    select target_hospital_id, requesting_hospital_id, count(*) as total,
      percentile_cont(0.5) within group (order by h_accept) as median_accept,
      percentile_cont(0.9) within group (order by h_accept) as p90_accept,
      percentile_cont(0.5) within group (order by h_report) as median_report,
      percentile_cont(0.9) within group (order by h_report) as p90_report,
      count(*) filter (where breached) as breaches,
      count(distinct patient_id) filter (where poverty_registered) as poverty
    from base group by target_hospital_id, requesting_hospital_id`.execute(db);
  return r.rows;
}

export interface BreakdownRow {
  target_hospital_id: string;
  requesting_hospital_id: string;
  dim: 'type' | 'urgency' | 'state';
  k: string;
  n: number;
}

export async function breakdowns(db: Executor, q: StatsQuery) {
  const r = await sql<BreakdownRow>`with ${baseCte(q)}
    select target_hospital_id, requesting_hospital_id, 'type' as dim, type as k, count(*) as n from base group by 1, 2, 4
    union all
    select target_hospital_id, requesting_hospital_id, 'urgency', urgency, count(*) from base group by 1, 2, 4
    union all
    select target_hospital_id, requesting_hospital_id, 'state', state, count(*) from base group by 1, 2, 4`.execute(
    db,
  );
  return r.rows;
}

export interface CountyAggRow {
  requesting_hospital_id: string;
  total: number;
  breaches: number;
  poverty: number;
  median_accept: number | null;
  p90_accept: number | null;
}

export async function countyAggregates(db: Executor, q: StatsQuery) {
  const r = await sql<CountyAggRow>`with ${baseCte(q)}
    select requesting_hospital_id, count(*) as total,
      count(*) filter (where breached) as breaches,
      count(distinct patient_id) filter (where poverty_registered) as poverty,
      percentile_cont(0.5) within group (order by h_accept) as median_accept,
      percentile_cont(0.9) within group (order by h_accept) as p90_accept
    from base group by requesting_hospital_id`.execute(db);
  return r.rows;
}
