/**
 * Signed reports as their readers use them: what changed between two versions, verification of the stored
 * signature chain (the endpoint and the CLI), and the requesting hospital's acknowledgement.
 */
import type { Report, ReportDiff, ReportVerifyResult } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { conflict, DomainError, forbidden, notFound } from '../errors';
import { userRoom } from '../realtime/plugin';
import * as q from './queries';
import { loadVisible, toReport } from './view';
import { nationalIdHash, parsePayload } from './payload';
import { diffContent } from './diff';
import type { SigningKey } from './signing';
import { verifyReportVersions, type VersionResult } from './verify';
import { registeredKeys } from '../signers/service';
import { trustAnchors } from '../signers/trust';
import type { SignerConfig } from '../signers/config';
import { completeOnAcknowledgement, publishEffects, writeCasePlan } from './consultation-link';
import { announce, type ReportsCtx } from './service';
import { recheck, toTimestamp } from './timestamp/service';
import type { TsaTrust } from './timestamp/trust';

export async function diffVersions(
  ctx: ReportsCtx,
  actor: Actor,
  id: string,
  from: number,
  to: number,
): Promise<ReportDiff> {
  const l = await loadVisible(ctx.db, actor, id);
  const rows = await q.listVersions(ctx.db, l.report.id);
  const a = rows.find((v) => v.version === from);
  const b = rows.find((v) => v.version === to);
  if (!a || !b) throw notFound('report version');
  const pb = parsePayload(b);
  return {
    from,
    to,
    amendmentReason: pb.amendmentReason,
    changes: diffContent(parsePayload(a).content, pb.content),
  };
}

/** What verification needs besides the database: the deployment key (older versions) and the trust anchors. */
export interface VerifyEnv {
  key: SigningKey | null;
  dataDir: string;
  secretsKey: string | null;
  signers: SignerConfig;
  /** TSA_CA_CERT: each version's RFC 3161 token is re-checked against its signature. */
  trust: TsaTrust;
}

export const verifyEnv = (ctx: ReportsCtx): VerifyEnv => ({
  key: ctx.key,
  dataDir: ctx.config.dataDir,
  secretsKey: ctx.config.secretsKey,
  signers: ctx.config.signers,
  trust: ctx.timestamps.trust,
});

async function checkVersions(db: Executor, env: VerifyEnv, reportId: string): Promise<VersionResult[]> {
  const rows = await q.listVersions(db, reportId);
  const report = await q.findReport(db, reportId);
  if (!report) throw notFound('report');
  const c = await q.consultationIdentity(db, report.consultation_id);
  const patient = c ? await q.patientIdentity(db, c.patient_id) : null;
  return verifyReportVersions(
    {
      deployment: env.key,
      anchors: await trustAnchors(db, env, env.signers),
      signerKeys: await registeredKeys(
        db,
        rows.map((r) => r.key_fingerprint),
      ),
    },
    {
      reportId,
      consultationId: report.consultation_id,
      patient: {
        id: patient?.id ?? '',
        name: patient?.name ?? '',
        idHash: nationalIdHash(patient?.national_id ?? null),
      },
      hospitals: { requesting: c?.requesting_hospital_id ?? '', target: c?.target_hospital_id ?? '' },
      currentVersion: report.current_version,
      log: await q.signatureLog(db, reportId),
    },
    rows,
  );
}

/**
 * Verify one report's stored versions against the deployment key, and re-check each version's RFC 3161 token
 * against its signature with `trust` (TSA_CA_CERT): a token that fails fails its version (endpoint and CLI).
 */
export async function verifyStored(
  db: Executor,
  env: VerifyEnv,
  reportId: string,
): Promise<ReportVerifyResult> {
  const checked = await checkVersions(db, env, reportId);
  const rows = await q.listVersions(db, reportId);
  const stamps = await recheck(
    db,
    { trust: env.trust },
    reportId,
    new Map(rows.map((r) => [r.version, r.signature])),
  );
  const versions: ReportVerifyResult['versions'] = checked.map((v) => {
    const st = stamps.get(v.version);
    const timestamp = st?.timestamp ?? toTimestamp(undefined);
    if (st?.failure && v.ok)
      return { ...v, ok: false, reason: `trusted timestamp: ${st.failure}`, timestamp };
    return { ...v, timestamp };
  });
  return {
    ok: versions.length > 0 && versions.every((v) => v.ok),
    reportId,
    keyFingerprint: env.key?.fingerprint ?? '',
    versions,
  };
}

export async function verifyReport(ctx: ReportsCtx, actor: Actor, id: string): Promise<ReportVerifyResult> {
  await loadVisible(ctx.db, actor, id);
  return verifyStored(ctx.db, verifyEnv(ctx), id);
}

export async function acknowledge(ctx: ReportsCtx, actor: Actor, id: string): Promise<Report> {
  const { result, consultation, effect } = await ctx.db.transaction().execute(async (trx) => {
    const l = await loadVisible(trx, actor, id, true);
    const r = l.report;
    const c = await q.findVisibleConsultation(trx, actor, r.consultation_id, true);
    if (!c || actor.hospitalId !== c.requesting_hospital_id)
      throw forbidden('only the requesting hospital acknowledges a report');
    if (r.status === 'acknowledged') throw conflict('the report was already acknowledged');
    if (r.status !== 'signed')
      throw conflict('an amendment is being prepared; acknowledge once it is signed');
    const versions = await q.listVersions(trx, r.id);
    const check = await checkVersions(trx, verifyEnv(ctx), r.id);
    const bad = check.find((v) => !v.ok);
    if (bad)
      throw conflict(
        `the stored report fails signature verification (version ${bad.version}: ${bad.reason}); contact the administrator`,
      );
    const latest = parsePayload(versions.at(-1)!);
    const nextDate = await writeCasePlan(trx, actor, c, latest, r.report_number);
    // The first acknowledgement completes the consultation; acknowledging a later amendment only updates the plan.
    if (c.state !== 'report_pending' && c.state !== 'completed') {
      throw new DomainError(
        'invalid_transition',
        `the report cannot be acknowledged while the consultation is ${c.state}`,
      );
    }
    const effect =
      c.state === 'report_pending'
        ? await completeOnAcknowledgement(trx, ctx.config, actor, c, `report v${latest.version} acknowledged`)
        : null;
    const updated = await q.markAcknowledged(trx, r.id, actor.id, nextDate);
    await recordAudit(trx, {
      actor,
      action: 'report.acknowledge',
      entityType: 'report',
      entityId: r.id,
      ip: actor.ip,
      detail: { version: latest.version },
    });
    return {
      result: await toReport(trx, { ...l, report: updated }, ctx.config.reportTimeZone),
      consultation: c,
      effect,
    };
  });
  await publishEffects(ctx.db, ctx.io, ctx.config, effect ? [effect] : []);
  await announce(ctx.db, ctx.io, consultation, id);
  ctx.io.to(userRoom(result.authorId)).emit('entity:changed', { entityType: 'report', entityId: id });
  return result;
}
