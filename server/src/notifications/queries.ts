import type { Insertable } from 'kysely';
import type { Database, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleCases } from '../access/policy';

/**
 * What a notification is about, in words the inbox can show without another request: the patient of a
 * consultation, the title of a round. Unknown entity types (or rows already gone) add nothing. Only the pushed
 * copy carries the patient's name (its recipients were chosen by the access policy); the stored row does not, and
 * the inbox adds it at read time only while the reader may still read the case (`readableSubjects`).
 */
export async function subjectOf(
  db: Executor,
  entityType: string,
  entityId: string,
): Promise<Record<string, string>> {
  if (!/^[0-9a-f-]{36}$/i.test(entityId)) return {};
  if (entityType === 'consultation') {
    const r = await db
      .selectFrom('consultations as c')
      .innerJoin('patients as p', 'p.id', 'c.patient_id')
      .select('p.name')
      .where('c.id', '=', entityId)
      .executeTakeFirst();
    return r ? { patientName: r.name } : {};
  }
  if (entityType === 'round') {
    const r = await db.selectFrom('rounds').select('title').where('id', '=', entityId).executeTakeFirst();
    return r ? { roundTitle: r.title } : {};
  }
  return {};
}

/** Patient names of the consultations (of `ids`) the actor may read now (the access policy), by consultation id. */
export async function readableSubjects(
  db: Executor,
  actor: Actor,
  ids: string[],
): Promise<Map<string, string>> {
  const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (!valid.length) return new Map();
  const rows = await db
    .selectFrom('consultations as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .select(['c.id', 'p.name'])
    .where('c.id', 'in', valid)
    .where(visibleCases(actor))
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export function insertNotifications(db: Executor, rows: Insertable<Database['notifications']>[]) {
  return db.insertInto('notifications').values(rows).returningAll().execute();
}

/** A user's entries, newest first: those after `since`, or only the unread ones, when asked. */
export function notificationsOf(
  db: Executor,
  userId: string,
  opts: { since?: string | null; unreadOnly?: boolean; limit?: number },
) {
  let q = db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
  if (opts.since) q = q.where('created_at', '>', new Date(opts.since));
  if (opts.unreadOnly) q = q.where('read_at', 'is', null);
  return q
    .orderBy('created_at', 'desc')
    .limit(opts.limit ?? 50)
    .execute();
}

export async function unreadCount(db: Executor, userId: string): Promise<number> {
  const r = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Mark a user's unread entries read: all of them, or those of `ids` (not empty). Returns how many changed. */
export async function setRead(db: Executor, userId: string, ids: string[] | 'all'): Promise<number> {
  let q = db
    .updateTable('notifications')
    .set({ read_at: new Date() })
    .where('user_id', '=', userId)
    .where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}
