/**
 * Rounds as records: listing, detail, invitation candidates and checks, agenda, create, edit, end. What the live
 * room stores (joins, chat, agenda pointer, recordings) is in room-service.ts.
 */
import crypto from 'node:crypto';
import {
  can,
  Permission,
  type AgendaItem,
  type AgendaItemInput,
  type Recording,
  type RoundCreate,
  type RoundDetail,
  type RoundPerson,
  type RoundQuery,
  type RoundSummary,
  type RoundUpdate,
} from '@consult/shared';
import type { DB, Executor, Trx } from '../db/database';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { pairedHospitalIds } from '../network/queries';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import type { AgendaRow, RecordingRow, RoundRow } from './tables';
import * as q from './queries';
import { actorWho } from '../access/relation-queries';
import { permittedCases } from '../access/policy';
import type { Config } from '../config';
import type { ChangeEffect } from '../consultations/publish';
import { scheduleCase } from './from-case';

type PersonRow = Awaited<ReturnType<typeof q.people>>[number];

export const toPerson = (r: PersonRow): RoundPerson => ({
  userId: r.id,
  displayName: r.display_name,
  role: r.role,
  hospitalId: r.hospital_id,
  hospitalNameZh: r.hospital_name_zh,
  hospitalNameEn: r.hospital_name_en,
});
/** An agenda item as this participant sees it: a case they may not read is withheld (title and case). */
const toAgendaItem = (r: AgendaRow, readable: Map<string, string>): AgendaItem => {
  const withheld = !!r.consultation_id && !readable.has(r.consultation_id);
  return {
    id: r.id,
    position: r.position,
    title: withheld ? '' : r.title,
    consultationId: withheld ? null : r.consultation_id,
    presenterId: r.presenter_id,
    withheld,
  };
};

/** The round's agenda for this actor: items of cases they may not read (the access policy) withheld. */
export async function agendaFor(db: Executor, actor: Actor, roundId: string): Promise<AgendaItem[]> {
  const rows = await q.agenda(db, roundId);
  const cids = rows.map((a) => a.consultation_id).filter((c): c is string => !!c);
  const readable = await permittedCases(db, actor, cids, 'case:read');
  return rows.map((a) => toAgendaItem(a, readable));
}
export const toRecording = (r: RecordingRow): Recording => ({
  id: r.id,
  roundId: r.round_id,
  status: r.status,
  startedAt: r.started_at.toISOString(),
  endedAt: r.ended_at ? r.ended_at.toISOString() : null,
  sizeBytes: Number(r.size_bytes),
  mimeType: r.mime_type,
  startedBy: r.started_by,
});

/** Query-layer visibility: the round's participants (the access policy's `roundParticipant`). */
export const scopeOf = (actor: Actor): q.RoundScope => actorWho(actor);

export const isHost = (actor: Actor, r: RoundRow) => r.host_id === actor.id;

/** The round as the actor may see it, or 404 (existence is not leaked). */
export async function visibleRound(db: Executor, actor: Actor, id: string): Promise<RoundRow> {
  const row = await q.findRound(db, scopeOf(actor), id);
  if (!row) throw notFound('round');
  return row;
}

export async function listRounds(db: DB, actor: Actor, query: RoundQuery): Promise<RoundSummary[]> {
  const rows = await q.listRounds(db, scopeOf(actor), query.status);
  const hosts = new Map(
    (await q.people(db, [...new Set(rows.map((r) => r.host_id))])).map((p) => [p.id, toPerson(p)]),
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    kind: r.kind,
    status: r.status,
    scheduledAt: r.scheduled_at.toISOString(),
    durationMinutes: r.duration_minutes,
    host: hosts.get(r.host_id)!,
    inviteeCount: Number(r.invitee_count ?? 0),
    agendaCount: Number(r.agenda_count ?? 0),
  }));
}

async function detail(db: Executor, actor: Actor, r: RoundRow): Promise<RoundDetail> {
  const invitees = await q.inviteeIds(db, r.id);
  const ppl = new Map((await q.people(db, [r.host_id, ...invitees])).map((p) => [p.id, toPerson(p)]));
  return {
    id: r.id,
    title: r.title,
    kind: r.kind,
    status: r.status,
    scheduledAt: r.scheduled_at.toISOString(),
    durationMinutes: r.duration_minutes,
    host: ppl.get(r.host_id)!,
    invitees: invitees.map((id) => ppl.get(id)).filter((p): p is RoundPerson => !!p),
    agenda: await agendaFor(db, actor, r.id),
    currentAgendaItemId: r.current_agenda_item_id,
    recordings: (await q.recordings(db, r.id)).map(toRecording),
    startedAt: r.started_at ? r.started_at.toISOString() : null,
    endedAt: r.ended_at ? r.ended_at.toISOString() : null,
    canEdit: isHost(actor, r) && r.status !== 'ended',
    canJoin: can(actor.role, Permission.RoundsJoin) && r.status !== 'ended',
    canRecord: isHost(actor, r) && can(actor.role, Permission.RoundsRecord) && r.status !== 'ended',
  };
}

export async function getRound(db: DB, actor: Actor, id: string): Promise<RoundDetail> {
  const row = await visibleRound(db, actor, id);
  const d = await detail(db, actor, row);
  await recordAudit(db, { actor, action: 'round.read', entityType: 'round', entityId: id, ip: actor.ip });
  return d;
}

/** Invitation candidates: clinical users of the actor's hospital and its paired hospitals. */
export async function candidates(db: DB, actor: Actor): Promise<RoundPerson[]> {
  if (!actor.hospitalId) return [];
  const hospitals = [actor.hospitalId, ...(await pairedHospitalIds(db, actor.hospitalId))];
  return (await q.usersOfHospitals(db, hospitals)).filter((u) => u.id !== actor.id).map(toPerson);
}

/** Invitees must be active clinical users of the host's hospital or a hospital paired with it. */
async function checkInvitees(db: Executor, actor: Actor, ids: string[]): Promise<void> {
  if (!actor.hospitalId) throw forbidden('only hospital staff host rounds');
  const allowed = new Set([actor.hospitalId, ...(await pairedHospitalIds(db, actor.hospitalId))]);
  const rows = new Map((await q.people(db, ids)).map((r) => [r.id, r]));
  for (const id of ids) {
    const u = rows.get(id);
    if (!u || u.disabled) throw badRequest(`invitee ${id} does not exist`, 'inviteeIds');
    if (!u.hospital_id || !allowed.has(u.hospital_id)) {
      throw badRequest(`${u.display_name} is not at your hospital or a paired hospital`, 'inviteeIds');
    }
    if (!can(u.role, Permission.RoundsJoin))
      throw badRequest(`${u.display_name} may not join rounds`, 'inviteeIds');
  }
}

/**
 * Agenda: presenters are the host or invitees; a case goes on it only when the host may present it (is on its
 * care team, the access policy) and it has left the county (never a draft). Presenting grants nobody the case.
 */
async function checkAgenda(
  db: Executor,
  actor: Actor,
  agenda: AgendaItemInput[],
  invitees: string[],
): Promise<void> {
  const people = new Set([actor.id, ...invitees]);
  agenda.forEach((a, i) => {
    if (a.presenterId && !people.has(a.presenterId)) {
      throw badRequest(
        `agenda item ${i + 1}: the presenter must be the host or an invitee`,
        `agenda/${i}/presenterId`,
      );
    }
  });
  const cids = agenda.map((a) => a.consultationId).filter((c): c is string => !!c);
  if (!cids.length) return;
  const found = await permittedCases(db, actor, cids, 'case:present');
  agenda.forEach((a, i) => {
    if (!a.consultationId) return;
    const state = found.get(a.consultationId);
    if (!state) {
      throw badRequest(
        `agenda item ${i + 1}: consultation not found among the cases whose care team you are on`,
        `agenda/${i}/consultationId`,
      );
    }
    if (state === 'draft')
      throw badRequest(
        `agenda item ${i + 1}: a draft request cannot be presented`,
        `agenda/${i}/consultationId`,
      );
  });
}

async function writeAgenda(trx: Trx, roundId: string, agenda: AgendaItemInput[]): Promise<void> {
  await q.deleteAgenda(trx, roundId);
  if (!agenda.length) return;
  await q.insertAgendaItems(
    trx,
    agenda.map((a, position) => ({
      id: crypto.randomUUID(),
      round_id: roundId,
      position,
      title: a.title,
      consultation_id: a.consultationId ?? null,
      presenter_id: a.presenterId ?? null,
    })),
  );
}

async function writeInvitees(trx: Trx, roundId: string, ids: string[]): Promise<void> {
  await q.deleteInvitees(trx, roundId);
  if (ids.length) await q.insertInvitees(trx, roundId, ids);
}

export async function createRound(
  db: DB,
  config: Config,
  actor: Actor,
  body: RoundCreate,
): Promise<{ round: RoundDetail; invited: string[]; scheduled: ChangeEffect | null }> {
  if (!actor.hospitalId) throw forbidden('only hospital staff host rounds');
  const invitees = body.inviteeIds.filter((id) => id !== actor.id);
  await checkInvitees(db, actor, invitees);
  await checkAgenda(db, actor, body.agenda, invitees);
  const id = crypto.randomUUID();
  let scheduled: ChangeEffect | null = null;
  const round = await db.transaction().execute(async (trx) => {
    await q.insertRound(trx, {
      id,
      title: body.title,
      kind: body.kind,
      scheduled_at: new Date(body.scheduledAt),
      duration_minutes: body.durationMinutes ?? 60,
      host_id: actor.id,
      hospital_id: actor.hospitalId!,
      current_agenda_item_id: null,
      started_at: null,
      ended_at: null,
    });
    await writeInvitees(trx, id, invitees);
    await writeAgenda(trx, id, body.agenda);
    if (body.scheduleCase) {
      const cases = body.agenda.map((a) => a.consultationId ?? '');
      scheduled = await scheduleCase(trx, config, actor, body.scheduleCase, cases);
    }
    await recordAudit(trx, {
      actor,
      action: 'round.create',
      entityType: 'round',
      entityId: id,
      ip: actor.ip,
    });
    return detail(trx, actor, (await q.lockRound(trx, id))!);
  });
  return { round, invited: invitees, scheduled };
}

export async function updateRound(
  db: DB,
  actor: Actor,
  id: string,
  body: RoundUpdate,
): Promise<{ round: RoundDetail; newlyInvited: string[] }> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  const current = await visibleRound(db, actor, id);
  if (!isHost(actor, current)) throw forbidden('only the host edits a round');
  if (current.status === 'ended') throw new DomainError('invalid_transition', 'the round has ended');
  const before = await q.inviteeIds(db, id);
  const invitees = body.inviteeIds ? body.inviteeIds.filter((u) => u !== actor.id) : before;
  if (body.inviteeIds) await checkInvitees(db, actor, invitees);
  if (body.agenda) await checkAgenda(db, actor, body.agenda, invitees);
  const round = await db.transaction().execute(async (trx) => {
    await q.lockRound(trx, id);
    const fields = {
      ...(body.title !== undefined && { title: body.title }),
      ...(body.kind !== undefined && { kind: body.kind }),
      ...(body.scheduledAt !== undefined && { scheduled_at: new Date(body.scheduledAt) }),
      ...(body.durationMinutes !== undefined && { duration_minutes: body.durationMinutes }),
      ...(body.agenda !== undefined && { current_agenda_item_id: null }),
    };
    // An edit of the invitees alone changes no column of the round itself (an empty SET is invalid SQL).
    if (Object.keys(fields).length > 0) await q.updateRound(trx, id, fields);
    if (body.inviteeIds) await writeInvitees(trx, id, invitees);
    if (body.agenda) await writeAgenda(trx, id, body.agenda);
    await recordAudit(trx, {
      actor,
      action: 'round.update',
      entityType: 'round',
      entityId: id,
      ip: actor.ip,
    });
    return detail(trx, actor, (await q.lockRound(trx, id))!);
  });
  return { round, newlyInvited: invitees.filter((u) => !before.includes(u)) };
}

export async function endRound(db: DB, actor: Actor, id: string): Promise<RoundDetail> {
  const current = await visibleRound(db, actor, id);
  if (!isHost(actor, current)) throw forbidden('only the host ends a round');
  if (current.status === 'ended') throw new DomainError('invalid_transition', 'the round has already ended');
  return db.transaction().execute(async (trx) => {
    await q.setEnded(trx, id);
    await recordAudit(trx, { actor, action: 'round.end', entityType: 'round', entityId: id, ip: actor.ip });
    return detail(trx, actor, (await q.lockRound(trx, id))!);
  });
}
