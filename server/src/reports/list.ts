/** "My reports": the reports of the cases whose care team the user is on (the access policy decides). */
import type { ReportListItem, ReportListQuery } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { parsePayload } from './payload';
import { reportList } from './queries';

export async function listReports(db: DB, actor: Actor, query: ReportListQuery): Promise<ReportListItem[]> {
  if (!actor.hospitalId) return [];
  const rows = await reportList(db, actor, query);
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
