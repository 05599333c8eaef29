/** "My reports": the reports of the cases whose care team the user is on (the access policy decides). */
import { sql } from 'kysely';
import type { ReportListItem, ReportListQuery } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { parsePayload } from './payload';
import { visibleReports } from '../access/policy';

export async function listReports(db: DB, actor: Actor, query: ReportListQuery): Promise<ReportListItem[]> {
  if (!actor.hospitalId) return [];
  const county = actor.role === 'county_doctor';
  let q = db
    .selectFrom('reports as r')
    .innerJoin('consultations as c', 'c.id', 'r.consultation_id')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('hospitals as h', 'h.id', 'c.requesting_hospital_id')
    .innerJoin('users as a', 'a.id', 'r.author_id')
    .leftJoin('report_versions as v', (j) =>
      j.onRef('v.report_id', '=', 'r.id').onRef('v.version', '=', 'r.current_version'),
    )
    .select([
      'r.id',
      'r.consultation_id',
      'r.status',
      'r.current_version',
      'r.draft_updated_at',
      'r.acknowledged_at',
      'a.display_name as author_name',
      'p.name as patient_name',
      'c.type',
      'c.urgency',
      'h.name_zh',
      'h.name_en',
      'v.payload',
      'v.signed_at',
    ]);
  q = q.where(visibleReports(actor));
  if (query.status) q = q.where('r.status', '=', query.status);
  // What needs the viewer's action first: to acknowledge (county) or to finish (consultant).
  const first = county
    ? sql<number>`case when r.status = 'signed' then 0 else 1 end`
    : sql<number>`case when r.status in ('draft', 'amending') then 0 else 1 end`;
  const rows = await q
    .orderBy(first)
    .orderBy('r.draft_updated_at', 'desc')
    .limit(query.limit ?? 100)
    .execute();
  await recordAudit(db, {
    actor,
    action: 'report.list',
    entityType: 'report',
    ip: actor.ip,
    detail: { count: rows.length },
  });
  return rows.map((r) => {
    const content = r.payload ? parsePayload({ payload: r.payload }).content : null;
    const dx = content ? (content.diagnoses.find((d) => d.primary) ?? content.diagnoses[0]) : undefined;
    const times = [r.draft_updated_at, r.signed_at, r.acknowledged_at]
      .filter((d): d is Date => !!d)
      .map((d) => d.getTime());
    return {
      id: r.id,
      consultationId: r.consultation_id,
      status: r.status,
      currentVersion: r.current_version,
      authorName: r.author_name,
      patientName: r.patient_name,
      consultationType: r.type,
      urgency: r.urgency,
      requestingHospitalZh: r.name_zh,
      requestingHospitalEn: r.name_en,
      primaryDiagnosis: dx ? `${dx.code} ${dx.titleZh} / ${dx.titleEn}` : null,
      updatedAt: new Date(Math.max(...times)).toISOString(),
    };
  });
}
