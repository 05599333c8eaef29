/**
 * The care team of a case: who is on it (derived seats + added colleagues), adding and removing colleagues
 * (the consultant's call; a member may also leave), each an audited action with a notification.
 */
import {
  TEAM_MEMBER_ROLES,
  type CareTeam,
  type CareTeamAdd,
  type CareTeamCandidate,
  type CareTeamMember,
} from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import type { IoServer } from '../realtime/plugin';
import { userRoom } from '../realtime/plugin';
import { recordAudit } from '../audit/service';
import { notifyUsers } from '../notifications/service';
import { badRequest, conflict, notFound } from '../errors';
import { assertCase, caseAccess, caseAudience, type CaseFacts } from './policy';
import * as q from './queries';

export interface TeamCtx {
  db: DB;
  io: IoServer;
}

/** States in which the team can change: the request has left the county and is not closed without an answer. */
const CLOSED = new Set(['draft', 'cancelled', 'declined']);

export async function getTeam(db: DB, actor: Actor, consultationId: string): Promise<CareTeam> {
  const { facts, relations } = await assertCase(db, actor, consultationId, 'case:read');
  return {
    consultationId,
    members: await teamMembers(db, facts),
    sharedForTeaching: facts.shared_for_teaching,
    access: caseAccess(relations),
  };
}

async function teamMembers(db: Executor, c: CaseFacts): Promise<CareTeamMember[]> {
  const seats = await q.people(db, [c.requester_id, ...(c.assigned_to ? [c.assigned_to] : [])]);
  const seat = (id: string | null, standing: 'requester' | 'consultant'): CareTeamMember[] => {
    const u = seats.find((s) => s.id === id);
    return u
      ? [
          {
            userId: u.id,
            displayName: u.display_name,
            role: u.role,
            hospitalId: u.hospital_id,
            standing,
            purpose: null,
            addedBy: null,
            addedAt: null,
          },
        ]
      : [];
  };
  const added = (await q.membersOf(db, c.id)).map((m): CareTeamMember => ({
    userId: m.user_id,
    displayName: m.display_name,
    role: m.role,
    hospitalId: m.hospital_id,
    standing: 'member',
    purpose: m.purpose,
    addedBy: m.added_by_name,
    addedAt: m.added_at.toISOString(),
  }));
  return [...seat(c.requester_id, 'requester'), ...seat(c.assigned_to, 'consultant'), ...added];
}

/** The consulting hospital's specialists and radiologists not yet on the team. */
export async function teamCandidates(
  db: DB,
  actor: Actor,
  consultationId: string,
): Promise<CareTeamCandidate[]> {
  const { facts } = await assertCase(db, actor, consultationId, 'case:manage-team');
  const on = new Set([facts.assigned_to, ...(await q.membersOf(db, consultationId)).map((m) => m.user_id)]);
  return (await q.candidatesAt(db, facts.target_hospital_id, TEAM_MEMBER_ROLES))
    .filter((u) => !on.has(u.id))
    .map((u) => ({ userId: u.id, displayName: u.display_name, role: u.role }));
}

/** A colleague may join when active, of the consulting hospital, and of a role that reads and reports. */
async function checkCandidate(db: Executor, c: CaseFacts, userId: string): Promise<string> {
  const [u] = await q.people(db, [userId]);
  if (!u || u.disabled) throw badRequest('that user does not exist or is disabled', '/body/userId');
  if (u.hospital_id !== c.target_hospital_id || !TEAM_MEMBER_ROLES.includes(u.role))
    throw badRequest(
      `${u.display_name} is not a specialist or radiologist of the consulting hospital`,
      '/body/userId',
    );
  if (u.id === c.assigned_to) throw conflict(`${u.display_name} is the assigned consultant`);
  return u.display_name;
}

export async function addMember(
  ctx: TeamCtx,
  actor: Actor,
  consultationId: string,
  body: CareTeamAdd,
): Promise<CareTeam> {
  const { facts } = await assertCase(ctx.db, actor, consultationId, 'case:manage-team');
  if (CLOSED.has(facts.state))
    throw conflict(`the care team cannot change while the request is ${facts.state}`);
  const name = await checkCandidate(ctx.db, facts, body.userId);
  await ctx.db.transaction().execute(async (trx) => {
    if (
      !(await q.insertMember(trx, {
        consultationId,
        userId: body.userId,
        purpose: body.purpose,
        addedBy: actor.id,
      }))
    )
      throw conflict(`${name} is already on the care team`);
    await recordAudit(trx, {
      actor,
      action: 'care_team.add',
      entityType: 'consultation',
      entityId: consultationId,
      ip: actor.ip,
      detail: { userId: body.userId, purpose: body.purpose },
    });
  });
  await announce(ctx, facts, [body.userId]);
  await notifyUsers(ctx.db, ctx.io, [body.userId], {
    kind: 'care_team.added',
    entityType: 'consultation',
    entityId: consultationId,
    data: { by: actor.displayName, purpose: body.purpose },
  });
  return getTeam(ctx.db, actor, consultationId);
}

/**
 * Adds a seat on the team inside another capability's transaction (the triager who hands a case on and chose to
 * stay). Audited like any addition; the caller announces after commit.
 */
export async function keepOnTeam(trx: Executor, actor: Actor, consultationId: string): Promise<void> {
  if (await q.insertMember(trx, { consultationId, userId: actor.id, purpose: 'triage', addedBy: actor.id }))
    await recordAudit(trx, {
      actor,
      action: 'care_team.add',
      entityType: 'consultation',
      entityId: consultationId,
      ip: actor.ip,
      detail: { userId: actor.id, purpose: 'triage' },
    });
}

/** The consultant removes a colleague, or a member leaves. Their access ends with the commit. */
export async function removeMember(
  ctx: TeamCtx,
  actor: Actor,
  consultationId: string,
  userId: string,
): Promise<CareTeam | null> {
  const leaving = userId === actor.id;
  const { facts } = await assertCase(
    ctx.db,
    actor,
    consultationId,
    leaving ? 'case:read' : 'case:manage-team',
  );
  const removed = await ctx.db.transaction().execute(async (trx) => {
    if (!(await q.deleteMember(trx, consultationId, userId))) return false;
    await recordAudit(trx, {
      actor,
      action: 'care_team.remove',
      entityType: 'consultation',
      entityId: consultationId,
      ip: actor.ip,
      detail: { userId },
    });
    return true;
  });
  if (!removed) throw notFound('care team member');
  await announce(ctx, facts, [userId]);
  if (!leaving)
    await notifyUsers(ctx.db, ctx.io, [userId], {
      kind: 'care_team.removed',
      entityType: 'consultation',
      entityId: consultationId,
      data: { by: actor.displayName },
    });
  // A member who left may no longer see the case: nothing more to show them.
  return leaving ? null : getTeam(ctx.db, actor, consultationId);
}

/** Tell the team (and whoever just joined or left) to refetch the case. */
export async function announce(ctx: TeamCtx, c: CaseFacts, extra: string[] = []): Promise<void> {
  const audience = new Set([...(await caseAudience(ctx.db, c.id)), ...extra]);
  if (audience.size)
    ctx.io
      .to([...audience].map(userRoom))
      .emit('entity:changed', { entityType: 'consultation', entityId: c.id });
}
