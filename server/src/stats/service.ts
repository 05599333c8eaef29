import type { ProgramStats, StatsQuery } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { badRequest } from '../errors';
import { listHospitals } from '../network/queries';
import * as q from './queries';

const num = (v: unknown): number | null =>
  v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100;

export async function programStats(db: DB, actor: Actor, query: StatsQuery): Promise<ProgramStats> {
  if (query.from && query.to && query.from > query.to)
    throw badRequest('from must not be after to', '/query/from');
  const [pairs, dims, counties, hospitals] = await Promise.all([
    q.pairingAggregates(db, query),
    q.breakdowns(db, query),
    q.countyAggregates(db, query),
    listHospitals(db, { visible: null }),
  ]);
  const h = new Map(hospitals.map((x) => [x.id, x]));
  await recordAudit(db, {
    actor,
    action: 'stats.read',
    entityType: 'stats',
    ip: actor.ip,
    detail: { ...query },
  });
  return {
    from: query.from ?? null,
    to: query.to ?? null,
    pairings: pairs.map((p) => {
      const mine = dims.filter(
        (d) =>
          d.target_hospital_id === p.target_hospital_id &&
          d.requesting_hospital_id === p.requesting_hospital_id,
      );
      const by = (dim: string) =>
        Object.fromEntries(mine.filter((d) => d.dim === dim).map((d) => [d.k, Number(d.n)]));
      return {
        tertiaryHospitalId: p.target_hospital_id,
        tertiaryNameZh: h.get(p.target_hospital_id)?.name_zh ?? '',
        tertiaryNameEn: h.get(p.target_hospital_id)?.name_en ?? '',
        countyHospitalId: p.requesting_hospital_id,
        countyNameZh: h.get(p.requesting_hospital_id)?.name_zh ?? '',
        countyNameEn: h.get(p.requesting_hospital_id)?.name_en ?? '',
        total: Number(p.total),
        byType: by('type'),
        byUrgency: by('urgency'),
        byState: by('state'),
        medianHoursToAccept: num(p.median_accept),
        p90HoursToAccept: num(p.p90_accept),
        medianHoursToReport: num(p.median_report),
        p90HoursToReport: num(p.p90_report),
        slaBreaches: Number(p.breaches),
        povertyPatientsServed: Number(p.poverty),
      };
    }),
    counties: counties.map((c) => ({
      countyHospitalId: c.requesting_hospital_id,
      nameZh: h.get(c.requesting_hospital_id)?.name_zh ?? '',
      nameEn: h.get(c.requesting_hospital_id)?.name_en ?? '',
      total: Number(c.total),
      slaBreaches: Number(c.breaches),
      povertyPatientsServed: Number(c.poverty),
      medianHoursToAccept: num(c.median_accept),
      p90HoursToAccept: num(c.p90_accept),
    })),
  };
}
