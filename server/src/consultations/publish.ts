import type { NotificationKind } from '@consult/shared';
import type { Config } from '../config';
import type { DB } from '../db/database';
import type { IoServer } from '../realtime/plugin';
import { userRoom } from '../realtime/plugin';
import { notifyUsers } from '../notifications/service';
import type { ConsultationRow } from './tables';
import { caseAudience, usersWithRelation } from '../access/policy';

/** A committed change to announce: the row before and after, and who did it. */
export interface ChangeEffect {
  before: ConsultationRow | null;
  after: ConsultationRow;
  actorId: string;
}

interface Ctx {
  db: DB;
  io: IoServer;
  config: Config;
}

/** Who gets an inbox entry for a transition (never the actor). */
async function recipients(
  db: DB,
  e: ChangeEffect,
): Promise<{ kind: NotificationKind; userIds: string[] } | null> {
  const c = e.after;
  switch (c.state) {
    case 'submitted':
      // The target hospital's triage queue (the access policy's triage relation).
      return { kind: 'consultation.submitted', userIds: await usersWithRelation(db, c.id, 'triage') };
    case 'triaged':
      return { kind: 'consultation.assigned', userIds: c.assigned_to ? [c.assigned_to] : [] };
    case 'accepted':
      return { kind: 'consultation.accepted', userIds: [c.requester_id] };
    case 'declined':
      return { kind: 'consultation.declined', userIds: [c.requester_id] };
    case 'returned_for_information':
      return { kind: 'consultation.returned', userIds: [c.requester_id] };
    case 'completed':
      return { kind: 'report.ready', userIds: [c.requester_id] };
    case 'draft':
      return null;
    default:
      return {
        kind: 'consultation.state_changed',
        userIds: [c.requester_id, ...(c.assigned_to ? [c.assigned_to] : [])],
      };
  }
}

/**
 * After commit: push `consultation:changed` to everyone who could see the request before or after (so a queue
 * drops a request another specialist took), and persist + push the inbox notification of the transition.
 */
export async function publishChange(ctx: Ctx, e: ChangeEffect): Promise<void> {
  const c = e.after;
  const audience = new Set(await caseAudience(ctx.db, c));
  if (e.before) for (const id of await caseAudience(ctx.db, e.before)) audience.add(id);
  if (audience.size) {
    ctx.io.to([...audience].map(userRoom)).emit('consultation:changed', {
      id: c.id,
      state: c.state,
      version: c.version,
      from: e.before?.state ?? null,
    });
  }
  if (e.before && e.before.state === c.state) return;
  const r = await recipients(ctx.db, e);
  if (!r) return;
  const userIds = r.userIds.filter((u) => u !== e.actorId);
  await notifyUsers(ctx.db, ctx.io, userIds, {
    kind: r.kind,
    entityType: 'consultation',
    entityId: c.id,
    data: { state: c.state, from: e.before?.state ?? null, urgency: c.urgency, type: c.type },
  });
}
