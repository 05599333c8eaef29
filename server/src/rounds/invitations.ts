/**
 * Invitations to a round: the in-app notification (naming the round, when it starts, and its join link) and the
 * .ics file for a calendar (./ics.ts). Both carry only what the invitee may see: the round's title and time, and
 * of the agenda only the items whose case they may read (the access policy; the others are withheld).
 */
import type { RoundDetail } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import type { Config } from '../config';
import type { IoServer } from '../realtime/plugin';
import { notifyUsers } from '../notifications/service';
import { recordAudit } from '../audit/service';
import { calendarFile } from './ics';
import { agendaFor, visibleRound } from './service';

/** Where a participant joins the round (a path of the client app). */
export const joinPath = (roundId: string) => `/rounds/${roundId}/room`;

/** In-app invitations: the round's title (the notification's subject), start time and join link. */
export async function notifyInvited(
  db: DB,
  io: IoServer,
  round: Pick<RoundDetail, 'id' | 'title' | 'scheduledAt'>,
  userIds: string[],
): Promise<void> {
  await notifyUsers(db, io, userIds, {
    kind: 'round.invited',
    entityType: 'round',
    entityId: round.id,
    data: { title: round.title, scheduledAt: round.scheduledAt, joinPath: joinPath(round.id) },
  });
}

/** The round as an iCalendar file, for this participant (404 for anyone else). */
export async function roundCalendar(
  db: DB,
  config: Config,
  actor: Actor,
  roundId: string,
): Promise<{ fileName: string; body: string }> {
  const r = await visibleRound(db, actor, roundId);
  const agenda = (await agendaFor(db, actor, roundId)).filter((a) => !a.withheld);
  const base = config.publicUrl.replace(/\/+$/, '');
  const url = `${base}${joinPath(roundId)}`;
  const body = calendarFile({
    uid: `${r.id}@${new URL(base).hostname}`,
    stamp: new Date(),
    start: r.scheduled_at,
    durationMinutes: r.duration_minutes,
    summary: r.title,
    description: [url, ...agenda.map((a, i) => `${i + 1}. ${a.title}`)].join('\n'),
    url,
    status: 'CONFIRMED',
  });
  await recordAudit(db, {
    actor,
    action: 'round.read',
    entityType: 'round',
    entityId: roundId,
    ip: actor.ip,
    detail: { calendar: true },
  });
  return { fileName: `round-${r.scheduled_at.toISOString().slice(0, 10)}.ics`, body };
}
