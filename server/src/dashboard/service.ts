/** The program dashboard: figures per program, pairing and county hospital, plus monthly series and CSV. */
import type { Dashboard, DashboardFilters, DashboardMetrics, DashboardQuery } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { auditRead } from '../consultations/read-audit';
import { badRequest } from '../errors';
import * as q from './queries';
import { cachedDashboard } from './cache';

const round1 = (n: number | null | undefined): number | null =>
  n === null || n === undefined ? null : Math.round(Number(n) * 10) / 10;

const emptyMetrics = (): DashboardMetrics => ({
  consultations: 0,
  slaBreaches: 0,
  medianHoursToReport: null,
  p90HoursToReport: null,
  reportsSigned: 0,
  reportsAcknowledged: 0,
  patientsServed: 0,
  povertyPatientsServed: 0,
  roundsHeld: 0,
  roundHours: 0,
  teachingRecordings: 0,
});

function fromConsultations(r: q.ConsultationAggRow | undefined, m: DashboardMetrics): DashboardMetrics {
  if (!r) return m;
  return {
    ...m,
    consultations: Number(r.consultations),
    slaBreaches: Number(r.sla_breaches),
    medianHoursToReport: round1(r.median_report),
    p90HoursToReport: round1(r.p90_report),
    reportsSigned: Number(r.reports_signed),
    reportsAcknowledged: Number(r.reports_acknowledged),
    patientsServed: Number(r.patients),
    povertyPatientsServed: Number(r.poverty_patients),
  };
}

function fromRounds(r: q.RoundAggRow | undefined, m: DashboardMetrics): DashboardMetrics {
  if (!r) return m;
  return {
    ...m,
    roundsHeld: Number(r.rounds),
    roundHours: round1(r.hours) ?? 0,
    teachingRecordings: Number(r.recordings),
  };
}

/** The dashboard for `query`, computed from the tables now (no cache): the figures `getDashboard` must equal. */
export async function computeDashboard(db: Executor, query: DashboardQuery): Promise<Dashboard> {
  const [agg, byType, byState, months, roundMonths, pairings, rP, rC, rG, rT] = await Promise.all([
    q.consultationAggregates(db, query),
    q.breakdown(db, query, 'type'),
    q.breakdown(db, query, 'state'),
    q.monthly(db, query),
    q.monthlyRounds(db, query),
    q.scopePairings(db, query),
    q.roundAggregates(db, query, 'pairing'),
    q.roundAggregates(db, query, 'county'),
    q.roundAggregates(db, query, 'program'),
    q.roundAggregates(db, query, 'total'),
  ]);
  const isSet = (r: q.ConsultationAggRow, level: 'pairing' | 'county' | 'program' | 'total') => {
    const g = [Number(r.g_pairing), Number(r.g_county), Number(r.g_program)];
    return level === 'pairing'
      ? g.join() === '0,1,1'
      : level === 'county'
        ? g.join() === '1,0,1'
        : level === 'program'
          ? g.join() === '1,1,0'
          : g.join() === '1,1,1';
  };
  const cBy = (level: 'pairing' | 'county' | 'program', key: string) =>
    agg.find(
      (r) =>
        isSet(r, level) &&
        (level === 'pairing' ? r.pairing_id : level === 'county' ? r.county_hospital_id : r.program_name) ===
          key,
    );
  const metrics = (level: 'pairing' | 'county' | 'program', key: string, rounds: q.RoundAggRow[]) =>
    fromRounds(
      rounds.find((r) => r.key === key),
      fromConsultations(cBy(level, key), emptyMetrics()),
    );

  const counties = new Map<string, { nameZh: string; nameEn: string }>();
  for (const p of pairings) counties.set(p.county_hospital_id, { nameZh: p.c_zh, nameEn: p.c_en });
  const programs = [...new Set(pairings.map((p) => p.program_name))];
  const monthKeys = [...new Set([...months.map((m) => m.month), ...roundMonths.map((m) => m.month)])].sort();

  return {
    from: query.from,
    to: query.to,
    totals: fromRounds(
      rT[0],
      fromConsultations(
        agg.find((r) => isSet(r, 'total')),
        emptyMetrics(),
      ),
    ),
    byType,
    byState,
    byMonth: monthKeys.map((month) => {
      const m = months.find((x) => x.month === month);
      return {
        month,
        consultations: Number(m?.consultations ?? 0),
        reportsSigned: Number(m?.reports_signed ?? 0),
        roundsHeld: Number(roundMonths.find((x) => x.month === month)?.rounds ?? 0),
      };
    }),
    programs: programs.map((programName) => ({ programName, ...metrics('program', programName, rG) })),
    pairings: pairings.map((p) => ({
      pairingId: p.id,
      programName: p.program_name,
      tertiaryNameZh: p.t_zh,
      tertiaryNameEn: p.t_en,
      countyNameZh: p.c_zh,
      countyNameEn: p.c_en,
      ...metrics('pairing', p.id, rP),
    })),
    counties: [...counties].map(([id, n]) => ({ countyHospitalId: id, ...n, ...metrics('county', id, rC) })),
  };
}

/** The program dashboard (served from the cache while the data it reads is unchanged: cache.ts), audited. */
export async function getDashboard(db: DB, actor: Actor, query: DashboardQuery): Promise<Dashboard> {
  if (query.from > query.to) throw badRequest('the range starts after it ends', '/query/from');
  const body = await cachedDashboard(db, query, (trx) => computeDashboard(trx, query));
  // A read: queued for the chain like every list read (consultations/read-audit.ts), never lost.
  auditRead(db, {
    actor,
    action: 'dashboard.read',
    entityType: 'dashboard',
    ip: actor.ip,
    detail: { ...query },
  });
  return body;
}

export async function dashboardFilters(db: DB): Promise<DashboardFilters> {
  const rows = await q.scopePairings(db, {});
  return {
    programs: [...new Set(rows.map((r) => r.program_name))],
    pairings: rows.map((r) => ({
      id: r.id,
      programName: r.program_name,
      tertiaryNameZh: r.t_zh,
      tertiaryNameEn: r.t_en,
      countyHospitalId: r.county_hospital_id,
      countyNameZh: r.c_zh,
      countyNameEn: r.c_en,
    })),
  };
}

/** The language the user chose (their CSV headers follow it). */
export const localeOf = (db: DB, actor: Actor) => q.userLocale(db, actor.id);
