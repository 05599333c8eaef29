import crypto from 'node:crypto';
import {
  type ConsultationCreate,
  type ConsultationDetail,
  type ConsultationUpdate,
  type TransitionBody,
  type Assignable,
} from '@consult/shared';
import type { Config } from '../config';
import type { DB, Executor } from '../db/database';
import { userRole, type Actor } from '../auth/actor';
import type { IoServer } from '../realtime/plugin';
import { recordAudit } from '../audit/service';
import { auditRead } from './read-audit';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import * as q from './queries';
import { toAttachment, toStudyLink } from './mapping';
import { publishChange, type ChangeEffect } from './publish';
import { caseAccess, relationsOf } from '../access/policy';
import { studiesByUid } from '../imaging/service';
import { caseOfPatient } from '../patients/queries';

import { applyTransition, allowedTransitions, completeByRequester } from './transitions';
import { slaBreached, toSummary } from './summary';
import { listConsultations } from './list';

export {
  applyTransition,
  allowedTransitions,
  completeByRequester,
  listConsultations,
  slaBreached,
  toSummary,
};

/** What every consultation operation needs: the database, the socket.io server (live events) and config. */
export interface ConsultationCtx {
  db: DB;
  io: IoServer;
  config: Config;
}

async function loadVisible(db: Executor, actor: Actor, id: string): Promise<q.SummaryRow> {
  const row = await q.findVisible(db, actor, id);
  if (!row) throw notFound('consultation');
  return row;
}

export async function getConsultation(
  db: DB,
  actor: Actor,
  id: string,
  audit = true,
): Promise<ConsultationDetail> {
  // Visibility, the summary and the actor's relations in one query.
  const row = await q.findVisibleStanding(db, actor, id);
  if (!row) throw notFound('consultation');
  const relations = relationsOf(row);
  const [transitions, attachments, studies] = await Promise.all([
    q.transitionsOf(db, id),
    q.attachmentsOf(db, id),
    q.studiesOf(db, id),
  ]);
  const linked = await studiesByUid(
    db,
    actor,
    studies.map((s) => s.study_instance_uid),
    row.requesting_hospital_id,
  );
  if (audit)
    auditRead(db, {
      actor,
      action: 'consultation.read',
      entityType: 'consultation',
      entityId: id,
      ip: actor.ip,
    });
  return {
    ...toSummary(row),
    historySummary: row.history_summary,
    declineReason: row.decline_reason,
    returnReason: row.return_reason,
    transitions: transitions.map((t) => ({
      id: t.id,
      from: t.from_state,
      to: t.to_state,
      actor: { id: t.actor_id, displayName: t.display_name },
      actorRole: t.actor_role,
      note: t.note,
      at: t.at.toISOString(),
    })),
    attachments: attachments.map(toAttachment),
    studies: studies.map((s) => toStudyLink(s, linked)),
    allowedTransitions: allowedTransitions(actor, row, relations),
    access: caseAccess(relations),
    sharedForTeaching: row.shared_for_teaching,
  };
}

/** Validate the references of a new request: own patient, its case, a paired tertiary hospital, its department. */
async function checkReferences(
  db: Executor,
  actor: Actor,
  body: Pick<ConsultationCreate, 'patientId' | 'caseId' | 'targetHospitalId' | 'targetDepartmentId'>,
) {
  const patient = await q.patientAtHospital(db, body.patientId, actor.hospitalId ?? '');
  if (!patient) throw badRequest('patient not found in your hospital', '/body/patientId');
  const kase = await caseOfPatient(db, body.patientId, body.caseId);
  if (!kase) throw badRequest("case not found in this patient's file", '/body/caseId');
  const paired = await q.pairedTertiary(db, body.targetHospitalId, actor.hospitalId ?? '');
  if (!paired)
    throw badRequest(
      'the target hospital is not a tertiary hospital paired with yours',
      '/body/targetHospitalId',
    );
  if (body.targetDepartmentId) {
    const d = await q.departmentAt(db, body.targetDepartmentId, body.targetHospitalId);
    if (!d) throw badRequest('department is not in the target hospital', '/body/targetDepartmentId');
  }
}

export async function createConsultation(
  ctx: ConsultationCtx,
  actor: Actor,
  body: ConsultationCreate,
): Promise<ConsultationDetail> {
  if (actor.role !== 'county_doctor' || !actor.hospitalId)
    throw forbidden('only county doctors create requests');
  await checkReferences(ctx.db, actor, body);
  const id = crypto.randomUUID();
  const effects = await ctx.db.transaction().execute(async (trx) => {
    await q.insertConsultation(trx, {
      id,
      patient_id: body.patientId,
      case_id: body.caseId,
      requesting_hospital_id: actor.hospitalId!,
      requester_id: actor.id,
      target_hospital_id: body.targetHospitalId,
      target_department_id: body.targetDepartmentId ?? null,
      type: body.type,
      urgency: body.urgency,
      state: 'draft',
      clinical_question: body.clinicalQuestion,
      history_summary: body.historySummary ?? '',
      assigned_to: null,
      decline_reason: null,
      return_reason: null,
      submitted_at: null,
      sla_due_at: null,
      responded_at: null,
      accepted_at: null,
      completed_at: null,
      sla_warned_at: null,
    });
    await q.insertTransition(trx, {
      id: crypto.randomUUID(),
      consultation_id: id,
      from_state: null,
      to_state: 'draft',
      actor_id: actor.id,
      actor_role: userRole(actor),
      note: null,
    });
    await recordAudit(trx, {
      actor,
      action: 'consultation.create',
      entityType: 'consultation',
      entityId: id,
      ip: actor.ip,
    });
    if (body.submit === false) return null;
    return applyTransition(trx, ctx.config, actor, id, { to: 'submitted' });
  });
  if (effects) await publishChange(ctx, effects);
  return getConsultation(ctx.db, actor, id, false);
}

export async function updateConsultation(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  body: ConsultationUpdate,
): Promise<ConsultationDetail> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  const row = await loadVisible(ctx.db, actor, id);
  if (actor.role !== 'county_doctor' || actor.hospitalId !== row.requesting_hospital_id)
    throw forbidden('only the requesting hospital edits a request');
  if (body.targetDepartmentId) {
    const d = await q.departmentAt(ctx.db, body.targetDepartmentId, row.target_hospital_id);
    if (!d) throw badRequest('department is not in the target hospital', '/body/targetDepartmentId');
  }
  await ctx.db.transaction().execute(async (trx) => {
    const locked = await q.lockForUpdate(trx, id);
    if (!locked || (locked.state !== 'draft' && locked.state !== 'returned_for_information')) {
      throw new DomainError(
        'invalid_transition',
        `a request in state ${locked?.state ?? '?'} can no longer be edited (only draft or returned_for_information)`,
      );
    }
    await q.updateRequest(trx, id, {
      ...(body.type !== undefined && { type: body.type }),
      ...(body.urgency !== undefined && { urgency: body.urgency }),
      ...(body.clinicalQuestion !== undefined && { clinical_question: body.clinicalQuestion }),
      ...(body.historySummary !== undefined && { history_summary: body.historySummary }),
      ...(body.targetDepartmentId !== undefined && { target_department_id: body.targetDepartmentId }),
    });
    await recordAudit(trx, {
      actor,
      action: 'consultation.update',
      entityType: 'consultation',
      entityId: id,
      ip: actor.ip,
    });
  });
  return getConsultation(ctx.db, actor, id, false);
}

export async function transitionConsultation(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  body: TransitionBody,
): Promise<ConsultationDetail> {
  if (!(await q.findVisible(ctx.db, actor, id))) {
    // A request that left this hospital's queue (a colleague accepted it a moment ago) answers 409 to the
    // hospital's other clinicians, who had it in their queue: the race is lost, not the request. Others: 404.
    const row = await q.stateOf(ctx.db, id);
    const colleague =
      (actor.role === 'specialist' || actor.role === 'radiologist') &&
      row?.target_hospital_id === actor.hospitalId;
    if (row && colleague && row.state !== 'draft') {
      throw new DomainError(
        'invalid_transition',
        `invalid transition: the request is ${row.state} (taken by a colleague), cannot move to ${body.to}`,
      );
    }
    throw notFound('consultation');
  }
  let effects: ChangeEffect;
  try {
    effects = await ctx.db.transaction().execute((trx) => applyTransition(trx, ctx.config, actor, id, body));
  } catch (e) {
    if (e instanceof DomainError && (e.code === 'forbidden' || e.code === 'invalid_transition')) {
      await recordAudit(ctx.db, {
        actor,
        action: 'consultation.transition',
        entityType: 'consultation',
        entityId: id,
        ip: actor.ip,
        outcome: e.code === 'forbidden' ? 'denied' : 'failure',
        detail: { to: body.to, reason: e.message },
      });
    }
    throw e;
  }
  await publishChange(ctx, effects);
  return getConsultation(ctx.db, actor, id, false);
}

/** Clinicians of the target hospital a request may be assigned to (triage). */
export async function assignableFor(db: DB, actor: Actor, id: string): Promise<Assignable[]> {
  const row = await loadVisible(db, actor, id);
  if (actor.hospitalId !== row.target_hospital_id) throw forbidden('only the target hospital triages');
  const users = await q.assignableAt(db, row.target_hospital_id);
  return users.map((u) => ({
    id: u.id,
    displayName: u.display_name,
    role: u.role,
    departmentId: u.department_id,
  }));
}

export { loadVisible };
