/** Row → DTO mapping and the scoped loaders every report use case starts from. */
import {
  ageOn,
  type Report,
  type ReportContent,
  type ReportPatientHeader,
  type ReportVersion,
} from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { allows } from '@consult/shared';
import { notFound } from '../errors';
import { relationsOf } from '../access/policy';
import { maskNationalId } from '../patients/service';
import * as q from './queries';
import { parsePayload } from './payload';
import type { ReportRow, ReportVersionRow } from './tables';
import { timestampsOf, toTimestamp } from './timestamp/service';

export interface Loaded {
  consultation: q.ConsultationFacts;
  report: ReportRow;
  /** The actor is on the consulting side of the care team (the policy's case:read-draft): may see drafts. */
  consultingSide: boolean;
}

/**
 * Load a report the actor may see (the access policy): the case's care team sees signed versions; drafts stay with
 * the consulting side (consultant and added colleagues). Everything else is 404 (existence is not leaked).
 */
export async function loadVisible(
  db: Executor,
  actor: Actor,
  reportId: string,
  lock = false,
): Promise<Loaded> {
  const report = lock ? await q.lockReport(db as never, reportId) : await q.findReport(db, reportId);
  if (!report) throw notFound('report');
  const consultation = await q.findVisibleConsultation(db, actor, report.consultation_id);
  if (!consultation) throw notFound('report');
  const consultingSide = allows(relationsOf(consultation), 'case:read-draft');
  if (!consultingSide && report.current_version === 0) throw notFound('report');
  return { consultation, report, consultingSide };
}

export function toVersion(row: ReportVersionRow, timestamp = toTimestamp(undefined)): ReportVersion {
  const p = parsePayload(row);
  return {
    version: p.version,
    content: p.content,
    signedAt: p.signedAt,
    signerId: p.signer.id,
    signerName: p.signer.name,
    amendmentReason: p.amendmentReason,
    keyFingerprint: row.key_fingerprint,
    signature: row.signature,
    timestamp,
  };
}

/** The header of a report: the patient as the requesting hospital keeps them, the ID number masked. */
export async function patientHeader(
  db: Executor,
  patientId: string,
  at: Date | null,
): Promise<ReportPatientHeader> {
  const p = await q.patientHeaderRow(db, patientId);
  return {
    name: p.name,
    sex: p.sex,
    birthDate: p.birth_date,
    ageYears: ageOn(p.birth_date, (at ?? new Date()).toISOString().slice(0, 10)),
    nationalIdMasked: p.national_id ? maskNationalId(p.national_id) : null,
    recordNumber: p.record_number,
    hospitalZh: p.name_zh,
    hospitalEn: p.name_en,
  };
}

export async function toReport(db: Executor, l: Loaded, timeZone: string): Promise<Report> {
  const r = l.report;
  const rows = await q.listVersions(db, r.id);
  const stamps = await timestampsOf(db, r.id);
  const names = await q.userNames(db, [r.author_id, r.draft_updated_by, r.acknowledged_by]);
  const showDraft = l.consultingSide && r.draft_content !== null;
  return {
    id: r.id,
    reportNumber: r.report_number,
    timeZone,
    patient: await patientHeader(db, l.consultation.patient_id, r.first_signed_at),
    consultationId: r.consultation_id,
    status: r.status,
    authorId: r.author_id,
    authorName: names.get(r.author_id) ?? '',
    draft: showDraft
      ? {
          content: JSON.parse(r.draft_content!) as ReportContent,
          revision: r.draft_revision,
          updatedAt: r.draft_updated_at.toISOString(),
          updatedByName: names.get(r.draft_updated_by) ?? '',
          amendmentReason: r.amendment_reason,
        }
      : null,
    currentVersion: r.current_version,
    versions: rows.map((row) => toVersion(row, stamps.get(row.version))),
    acknowledgedAt: r.acknowledged_at ? r.acknowledged_at.toISOString() : null,
    acknowledgedByName: r.acknowledged_by ? (names.get(r.acknowledged_by) ?? null) : null,
    nextFollowUpDate: r.next_follow_up_date,
    createdAt: r.created_at.toISOString(),
  };
}
