/**
 * Report use cases of the author: drafts with autosave, signing, amendments. Comparing versions, verification and
 * acknowledgement are in review.ts.
 */
import crypto from 'node:crypto';
import type { Report, ReportContent } from '@consult/shared';
import { emptyReportContent } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { auditRead } from '../consultations/read-audit';
import { recordAudit } from '../audit/service';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../errors';
import type { IoServer } from '../realtime/plugin';
import { userRoom } from '../realtime/plugin';
import { caseAudience } from '../access/policy';
import { notifyUsers } from '../notifications/service';
import * as q from './queries';
import { loadVisible, toReport, type Loaded } from './view';
import {
  nationalIdHash,
  parsePayload,
  PAYLOAD_TYPE,
  sha256,
  signPayload,
  type SignedPayload,
} from './payload';
import { signerFor } from './signer-choice';
import { findIcd10 } from './icd10/index';
import type { SigningKey } from './signing';
import { checkKeyImages } from './key-images';
import type { Config } from '../config';
import { publishEffects, toReportPending } from './consultation-link';
import { nextReportNumber } from './numbering';
import * as timestamps from './timestamp/service';
import { discardUnsigned, signsOwnPdf, signVersionPdfs, type PdfKit, type PdfWrite } from './signed-pdf';

export interface ReportsCtx {
  db: DB;
  io: IoServer;
  key: SigningKey;
  config: Config;
  /** RFC 3161 trusted time of signatures (timestamp/service.ts). */
  timestamps: timestamps.TimestampSettings;
  /** Rendering and storing report PDFs (a version signed with a personal key gets its PDFs at signing). */
  pdf: PdfKit;
}

/** States in which the assigned consultant may work on the report. */
const WRITABLE_STATES = ['accepted', 'scheduled', 'in_progress', 'report_pending'];
/** States after which nothing more is signed. */
const CLOSED_STATES = ['declined', 'cancelled'];

function assertAuthor(actor: Actor, l: Pick<Loaded, 'report' | 'consultation'>): void {
  if (l.consultation.assigned_to !== actor.id || l.report.author_id !== actor.id) {
    throw forbidden('only the consultant assigned to this consultation may write or sign its report');
  }
}

/** Diagnoses must come from the shipped list; their titles are taken from it. */
function normalise(content: ReportContent): ReportContent {
  return {
    ...content,
    diagnoses: content.diagnoses.map((d, i) => {
      const known = findIcd10(d.code);
      if (!known)
        throw badRequest(`ICD-10 code ${d.code} is not in the list`, `/body/content/diagnoses/${i}/code`);
      return { ...d, titleZh: known.titleZh, titleEn: known.titleEn };
    }),
  };
}

/** Tell the open screens of the case's team (those who may read its report) to refetch (after commit). */
export async function announce(
  db: Executor,
  io: IoServer,
  c: q.ConsultationFacts,
  reportId: string,
): Promise<void> {
  const audience = await caseAudience(db, c.id, 'case:read-report');
  if (!audience.length) return;
  const rooms = audience.map(userRoom);
  io.to(rooms).emit('entity:changed', { entityType: 'report', entityId: reportId });
  io.to(rooms).emit('entity:changed', { entityType: 'consultation', entityId: c.id });
}

export async function openReport(ctx: ReportsCtx, actor: Actor, consultationId: string): Promise<Report> {
  return ctx.db.transaction().execute(async (trx) => {
    const c = await q.findVisibleConsultation(trx, actor, consultationId, true);
    if (!c) throw notFound('consultation');
    const existing = await q.findReportByConsultation(trx, consultationId);
    if (existing) {
      const l = await loadVisible(trx, actor, existing.id);
      return toReport(trx, l, ctx.config.reportTimeZone);
    }
    if (c.assigned_to !== actor.id)
      throw forbidden('only the consultant assigned to this consultation may write its report');
    if (!WRITABLE_STATES.includes(c.state)) {
      throw new DomainError(
        'invalid_transition',
        `a report cannot be started while the consultation is ${c.state}`,
      );
    }
    const report = await q.insertReport(trx, {
      id: crypto.randomUUID(),
      consultation_id: c.id,
      author_id: actor.id,
      draft_content: JSON.stringify(emptyReportContent()),
    });
    await recordAudit(trx, {
      actor,
      action: 'report.create',
      entityType: 'report',
      entityId: report.id,
      ip: actor.ip,
      detail: { consultationId: c.id },
    });
    return toReport(trx, { consultation: c, report, consultingSide: true }, ctx.config.reportTimeZone);
  });
}

export async function getByConsultation(
  ctx: ReportsCtx,
  actor: Actor,
  consultationId: string,
): Promise<Report> {
  // The report's own load checks the case (visibility and relations in one query): no separate look-up first.
  const r = await q.findReportByConsultation(ctx.db, consultationId);
  if (!r) throw notFound('report');
  return getReport(ctx, actor, r.id);
}

export async function getReport(ctx: ReportsCtx, actor: Actor, id: string): Promise<Report> {
  const l = await loadVisible(ctx.db, actor, id);
  auditRead(ctx.db, {
    actor,
    action: 'report.read',
    entityType: 'report',
    entityId: id,
    ip: actor.ip,
  });
  return toReport(ctx.db, l, ctx.config.reportTimeZone);
}

export async function saveDraft(
  ctx: ReportsCtx,
  actor: Actor,
  id: string,
  body: { content: ReportContent; baseRevision: number },
): Promise<Report> {
  const content = normalise(body.content);
  return ctx.db.transaction().execute(async (trx) => {
    const l = await loadVisible(trx, actor, id, true);
    assertAuthor(actor, l);
    if (l.report.draft_content === null) {
      throw conflict(
        `version ${l.report.current_version} is signed and cannot be edited; start an amendment to correct it`,
      );
    }
    if (CLOSED_STATES.includes(l.consultation.state)) {
      throw new DomainError(
        'invalid_transition',
        `the consultation is ${l.consultation.state}; its report can no longer be edited`,
      );
    }
    await checkKeyImages(
      trx,
      l.consultation.id,
      [l.consultation.requesting_hospital_id, l.consultation.target_hospital_id],
      content.keyImages,
    );
    const saved = await q.saveDraftIfRevision(trx, id, body.baseRevision, JSON.stringify(content), actor.id);
    if (!saved) {
      const names = await q.userNames(trx, [l.report.draft_updated_by]);
      throw conflict(
        `the draft was changed by ${names.get(l.report.draft_updated_by) ?? 'someone'} at ${l.report.draft_updated_at.toISOString()} ` +
          `(revision ${l.report.draft_revision}, you edited revision ${body.baseRevision}); reload it before saving again`,
      );
    }
    await recordAudit(trx, {
      actor,
      action: 'report.draft_save',
      entityType: 'report',
      entityId: id,
      ip: actor.ip,
      detail: { revision: saved.draft_revision },
    });
    return toReport(trx, { ...l, report: saved }, ctx.config.reportTimeZone);
  });
}

export async function signReport(
  ctx: ReportsCtx,
  actor: Actor,
  id: string,
  body: { pin?: string; password?: string },
): Promise<Report> {
  const user = await q.findSigningUser(ctx.db, actor.id);
  const signer = await signerFor(ctx, actor, id, body, user);
  const pdfWrites: PdfWrite[] = [];
  const signing = ctx.db.transaction().execute(async (trx) => {
    const l = await loadVisible(trx, actor, id, true);
    assertAuthor(actor, l);
    const r = l.report;
    if (r.draft_content === null)
      throw conflict(`version ${r.current_version} is already signed; start an amendment to correct it`);
    const c = await q.findVisibleConsultation(trx, actor, r.consultation_id, true);
    // A first signature needs the consultation under way; an amendment may follow completion (not cancellation).
    const signable =
      r.current_version === 0
        ? WRITABLE_STATES.includes(c?.state ?? '')
        : !!c && !CLOSED_STATES.includes(c.state);
    if (!c || !signable) {
      throw new DomainError(
        'invalid_transition',
        `the report cannot be signed while the consultation is ${c?.state ?? 'gone'}`,
      );
    }
    const content = normalise(JSON.parse(r.draft_content) as ReportContent);
    if (!content.impression.trim() && content.diagnoses.length === 0) {
      throw badRequest('write an impression or pick a diagnosis before signing', '/body/content/impression');
    }
    const versions = await q.listVersions(trx, r.id);
    const prev = versions.at(-1);
    const version = r.current_version + 1;
    const signedAt = new Date(Math.floor(Date.now()));
    const patient = await q.patientIdentity(trx, c.patient_id);
    const payload: SignedPayload = {
      type: PAYLOAD_TYPE,
      reportId: r.id,
      consultationId: r.consultation_id,
      version,
      signedAt: signedAt.toISOString(),
      signer: { id: actor.id, name: user.display_name, role: actor.role, hospitalId: actor.hospitalId },
      amendmentReason: version === 1 ? null : r.amendment_reason,
      previous: prev ? sha256(prev.signature) : null,
      content,
      patient: { id: patient.id, name: patient.name, idHash: nationalIdHash(patient.national_id) },
      hospitals: { requesting: c.requesting_hospital_id, target: c.target_hospital_id },
      key: { algorithm: signer.algorithm ?? 'deployment', fingerprint: signer.fingerprint },
    };
    const { canonical, signature } = signPayload(signer, payload);
    await q.insertVersion(trx, {
      report_id: r.id,
      version,
      payload: canonical,
      signature,
      key_fingerprint: signer.fingerprint,
      signed_by: actor.id,
      signed_at: signedAt,
      algorithm: signer.algorithm,
      certificate_pem: signer.certificatePem,
      signer_key_id: signer.keyId,
    });
    await q.appendSignatureLog(trx, r.id, version, sha256(signature));
    await timestamps.reserve(trx, ctx.timestamps, { report_id: r.id, version });
    const updated = await q.markSigned(trx, r.id, version, {
      first_signed_at: r.first_signed_at ?? signedAt,
      ...(r.report_number === null &&
        actor.hospitalId && {
          report_number: await nextReportNumber(trx, actor.hospitalId, signedAt, ctx.config.reportTimeZone),
        }),
    });
    // A personal key PDF readers verify signs the version's PDFs now (both languages), or nothing is signed.
    const pdfs = signsOwnPdf(signer)
      ? await signVersionPdfs(
          trx,
          ctx.pdf,
          ctx.timestamps,
          { ...l, report: updated },
          version,
          signer,
          ctx.config.reportTimeZone,
          pdfWrites,
        )
      : null;
    const effects =
      version === 1 ? await toReportPending(trx, ctx.config, actor, c, `report v${version} signed`) : [];
    await recordAudit(trx, {
      actor,
      action: 'report.sign',
      entityType: 'report',
      entityId: r.id,
      ip: actor.ip,
      detail: {
        version,
        keyFingerprint: signer.fingerprint,
        algorithm: signer.algorithm ?? 'deployment',
        pdf: pdfs ? { signedBy: 'signer', files: pdfs } : { signedBy: 'deployment' },
      },
    });
    return {
      result: await toReport(trx, { ...l, report: updated }, ctx.config.reportTimeZone),
      consultation: c,
      effects,
      stamp: { key: { report_id: r.id, version }, signature },
    };
  });
  const { result, consultation, effects, stamp } = await signing.catch(async (e: unknown) => {
    await discardUnsigned(ctx.db, ctx.pdf.storageDir, pdfWrites);
    if (e instanceof DomainError && e.code === 'pdf_signing_failed')
      await recordAudit(ctx.db, {
        actor,
        action: 'report.sign',
        entityType: 'report',
        entityId: id,
        outcome: 'failure',
        ip: actor.ip,
        detail: { why: 'pdf', error: e.message },
      });
    throw e;
  });
  // Trusted time: asked once now (bounded by TSA_TIMEOUT_MS); a failure leaves it pending for the retrier.
  if (ctx.timestamps.endpoint) {
    await timestamps.attempt(ctx.db, ctx.timestamps, stamp.key, stamp.signature, 0);
    const v = result.versions.find((x) => x.version === stamp.key.version);
    if (v) v.timestamp = (await timestamps.timestampsOf(ctx.db, id)).get(v.version) ?? v.timestamp;
  }
  await publishEffects(ctx.db, ctx.io, ctx.config, effects);
  await announce(ctx.db, ctx.io, consultation, id);
  await notifyUsers(ctx.db, ctx.io, [consultation.requester_id], {
    kind: 'report.ready',
    entityType: 'consultation',
    entityId: consultation.id,
    data: { reportId: id, version: result.currentVersion },
  });
  return result;
}

export async function startAmendment(
  ctx: ReportsCtx,
  actor: Actor,
  id: string,
  reason: string,
): Promise<Report> {
  return ctx.db.transaction().execute(async (trx) => {
    const l = await loadVisible(trx, actor, id, true);
    assertAuthor(actor, l);
    const r = l.report;
    if (r.current_version === 0) throw conflict('the report has not been signed yet; edit the draft instead');
    if (r.draft_content !== null) throw conflict('an amendment is already open; edit and sign it');
    const versions = await q.listVersions(trx, r.id);
    const latest = parsePayload(versions.at(-1)!);
    const updated = await q.openAmendment(trx, r.id, {
      content: JSON.stringify(latest.content),
      reason: reason.trim(),
      revision: r.draft_revision + 1,
      userId: actor.id,
    });
    await recordAudit(trx, {
      actor,
      action: 'report.amend_start',
      entityType: 'report',
      entityId: r.id,
      ip: actor.ip,
      detail: { fromVersion: r.current_version },
    });
    return toReport(trx, { ...l, report: updated }, ctx.config.reportTimeZone);
  });
}
