import crypto from 'node:crypto';
import type { Notification, NotificationKind, NotificationList } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { NotificationRow } from '../db/tables';
import type { IoServer } from '../realtime/plugin';
import { userRoom } from '../realtime/plugin';
import {
  insertNotifications,
  notificationsOf,
  readableSubjects,
  setRead,
  subjectOf,
  unreadCount,
} from './queries';
import type { Actor } from '../auth/actor';

export interface NotificationInput {
  kind: NotificationKind;
  entityType: string;
  entityId: string;
  data?: Record<string, string | number | boolean | null>;
}

export const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  kind: r.kind as NotificationKind,
  entityType: r.entity_type,
  entityId: r.entity_id,
  data: JSON.parse(r.data) as Notification['data'],
  createdAt: r.created_at.toISOString(),
  readAt: r.read_at ? r.read_at.toISOString() : null,
});

/**
 * Persist one inbox entry per user and push it to their sockets (on every node, via the adapter).
 * Call after the change it announces has committed. The entry names its subject (the patient of a consultation,
 * the title of a round) so the inbox and the toast can say who it is about.
 */
export async function notifyUsers(
  db: Executor,
  io: IoServer,
  userIds: string[],
  n: NotificationInput,
): Promise<void> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return;
  const subject = await subjectOf(db, n.entityType, n.entityId);
  // The patient's name is not stored with the entry: access to the case can end, the inbox row stays.
  const { patientName, ...stored } = subject;
  const data = { ...stored, ...n.data };
  const rows = await insertNotifications(
    db,
    unique.map((user_id) => ({
      id: crypto.randomUUID(),
      user_id,
      kind: n.kind,
      entity_type: n.entityType,
      entity_id: n.entityId,
      data: JSON.stringify(data),
    })),
  );
  for (const r of rows) {
    const pushed = toNotification(r);
    if (patientName) pushed.data = { ...pushed.data, patientName };
    io.to(userRoom(r.user_id)).emit('notification:new', pushed);
  }
}

export async function listNotifications(
  db: DB,
  actor: Actor,
  opts: { since?: string | null; unreadOnly?: boolean; limit?: number },
): Promise<NotificationList> {
  const rows = await notificationsOf(db, actor.id, opts);
  const unread = await unreadCount(db, actor.id);
  const names = await readableSubjects(
    db,
    actor,
    rows.filter((r) => r.entity_type === 'consultation').map((r) => r.entity_id),
  );
  const items = rows.map((r) => {
    const n = toNotification(r);
    const patientName = r.entity_type === 'consultation' ? names.get(r.entity_id) : undefined;
    return patientName ? { ...n, data: { ...n.data, patientName } } : n;
  });
  return { items, unread };
}

export async function markRead(db: DB, userId: string, ids: string[] | 'all'): Promise<number> {
  if (ids !== 'all' && ids.length === 0) return 0;
  return setRead(db, userId, ids);
}
