import type { Locale } from '@consult/shared';
import { sql } from 'kysely';
import { PREPARED } from '../db/connect';
import type { Executor } from '../db/database';

export const findUserByUsername = (db: Executor, username: string) =>
  db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();

export const findUserById = (db: Executor, id: string) =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

/** The columns an actor is made of, for a user acting outside an HTTP request (auth/actor.ts `offlineActor`). */
export function findActorUser(db: Executor, who: { id: string } | { username: string }) {
  const q = db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'role', 'hospital_id', 'department_id']);
  return (
    'id' in who ? q.where('id', '=', who.id) : q.where('username', '=', who.username)
  ).executeTakeFirstOrThrow();
}

/**
 * The session and its user, on every signed-in request not answered from memory (session-cache.ts), with the sign-in
 * data version the statement's snapshot saw: a prepared statement (planned once).
 */
export async function findSessionWithUser(db: Executor, sessionId: string) {
  return db
    .selectFrom('sessions')
    .modifyFront(sql.raw(PREPARED))
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.csrf_token',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'sessions.mfa_enrolment_pending',
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.hospital_id',
      'users.department_id',
      'users.disabled',
      sql<string>`(select v::text from auth_version where id = 1)`.as('auth_version'),
    ])
    .where('sessions.id', '=', sessionId)
    .modifyFront(sql.raw(PREPARED))
    .executeTakeFirst();
}

export type SessionRow = NonNullable<Awaited<ReturnType<typeof findSessionWithUser>>>;

export const insertSession = (
  db: Executor,
  row: {
    id: string;
    user_id: string;
    csrf_token: string;
    expires_at: Date;
    ip: string | null;
    user_agent: string;
    mfa_enrolment_pending: boolean;
  },
) => db.insertInto('sessions').values(row).execute();

export const deleteSession = (db: Executor, id: string) =>
  db.deleteFrom('sessions').where('id', '=', id).execute();

/** A user's sessions, all of them or all but one (the one changing the password stays). */
export const deleteUserSessions = (db: Executor, userId: string, opts: { except?: string } = {}) => {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (opts.except) q = q.where('id', '!=', opts.except);
  return q.execute();
};

export const setPasswordHash = (db: Executor, userId: string, passwordHash: string) =>
  db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();

export const setLocale = (db: Executor, userId: string, locale: Locale) =>
  db.updateTable('users').set({ locale }).where('id', '=', userId).execute();

/** The signed-in user's own hospital, shown in their profile (/api/auth/me). */
export const findHospital = (db: Executor, id: string) =>
  db.selectFrom('hospitals').selectAll().where('id', '=', id).executeTakeFirst();

export const extendSession = (db: Executor, id: string, expiresAt: Date, lastSeenAt: Date) =>
  db
    .updateTable('sessions')
    .set({ expires_at: expiresAt, last_seen_at: lastSeenAt })
    .where('id', '=', id)
    .execute();

export const liveSessions = (db: Executor, ids: string[]) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'users.role', 'users.hospital_id'])
    .where('sessions.id', 'in', ids)
    .where('sessions.expires_at', '>', new Date())
    .where('users.disabled', '=', false)
    .execute();

/** Failed logins of one account from one client address (see `login`). */
export const findLoginFailures = (db: Executor, userId: string, client: string) =>
  db
    .selectFrom('login_failures')
    .selectAll()
    .where('user_id', '=', userId)
    .where('client', '=', client)
    .executeTakeFirst();

export const saveLoginFailures = (
  db: Executor,
  row: { user_id: string; client: string; failures: number; locked_until: Date | null },
) =>
  db
    .insertInto('login_failures')
    .values({ ...row, updated_at: new Date() })
    .onConflict((oc) =>
      oc.columns(['user_id', 'client']).doUpdateSet({
        failures: row.failures,
        locked_until: row.locked_until,
        updated_at: new Date(),
      }),
    )
    .execute();

export const deleteLoginFailures = (db: Executor, userId: string, client?: string) => {
  let q = db.deleteFrom('login_failures').where('user_id', '=', userId);
  if (client !== undefined) q = q.where('client', '=', client);
  return q.execute();
};
