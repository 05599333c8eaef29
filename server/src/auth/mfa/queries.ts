import { sql } from 'kysely';
import type { Executor } from '../../db/database';

export const findTotp = (db: Executor, userId: string) =>
  db.selectFrom('user_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();

/** A new (unconfirmed) secret replaces an unconfirmed one; a confirmed one is never overwritten here. */
export const savePendingTotp = (db: Executor, userId: string, secret: string) =>
  db
    .insertInto('user_totp')
    .values({ user_id: userId, secret })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ secret, created_at: new Date(), last_step: null })
        .where('user_totp.confirmed_at', 'is', null),
    )
    .executeTakeFirst();

/**
 * Accept time step `step` for the user's secret: only if it is after the last accepted one (a code works once,
 * also when two requests race: the conditional update lets exactly one through).
 */
export async function acceptStep(
  db: Executor,
  userId: string,
  step: number,
  confirm: boolean,
): Promise<boolean> {
  let q = db
    .updateTable('user_totp')
    .set({ last_step: step, ...(confirm ? { confirmed_at: new Date() } : {}) })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]));
  q = confirm ? q.where('confirmed_at', 'is', null) : q.where('confirmed_at', 'is not', null);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export const deleteTotp = (db: Executor, userId: string) =>
  db.deleteFrom('user_totp').where('user_id', '=', userId).execute();

export const replaceRecoveryCodes = async (db: Executor, userId: string, hashes: string[]) => {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (hashes.length === 0) return;
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash })))
    .execute();
};

/** Spend one recovery code; true when it existed and was unused (exactly once under races). */
export async function useRecoveryCode(db: Executor, userId: string, hash: string): Promise<boolean> {
  const res = await db
    .updateTable('recovery_codes')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export const unusedRecoveryCodes = async (db: Executor, userId: string): Promise<number> => {
  const row = await db
    .selectFrom('recovery_codes')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

export const insertTrustedDevice = (
  db: Executor,
  row: { id: string; user_id: string; user_agent: string; expires_at: Date },
) => db.insertInto('trusted_devices').values(row).execute();

export const isTrustedDevice = async (db: Executor, id: string, userId: string): Promise<boolean> =>
  !!(await db
    .selectFrom('trusted_devices')
    .select('id')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('expires_at', '>', new Date())
    .executeTakeFirst());

export const forgetTrustedDevices = (db: Executor, userId: string) =>
  db.deleteFrom('trusted_devices').where('user_id', '=', userId).execute();

export const recentPasswordHashes = (db: Executor, userId: string, n: number) =>
  db
    .selectFrom('password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(n)
    .execute();

/** Remember a replaced password hash, keeping only the newest `keep`. */
export async function pushPasswordHistory(db: Executor, userId: string, hash: string, keep: number) {
  await db.insertInto('password_history').values({ user_id: userId, password_hash: hash }).execute();
  const stale = await db
    .selectFrom('password_history')
    .select('created_at')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (stale) {
    await db
      .deleteFrom('password_history')
      .where('user_id', '=', userId)
      .where('created_at', '<=', stale.created_at)
      .execute();
  }
}

export const ownSessions = (db: Executor, userId: string) =>
  db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', new Date())
    .orderBy('last_seen_at', 'desc')
    .execute();

export const deleteOwnSession = async (db: Executor, userId: string, id: string): Promise<boolean> => {
  const res = await db
    .deleteFrom('sessions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
};

export const endEnrolmentPending = (db: Executor, sessionId: string) =>
  db.updateTable('sessions').set({ mfa_enrolment_pending: false }).where('id', '=', sessionId).execute();

/** TOTP secrets stored in plain text (before SECRETS_KEY was set). */
export const unsealedTotpSecrets = (db: Executor) =>
  db.selectFrom('user_totp').select(['user_id', 'secret']).where('secret', 'not like', 'sealed:%').execute();

/** Replace a secret by its sealed form, only if it is still the value that was read; returns rows changed. */
export async function replaceTotpSecret(
  db: Executor,
  userId: string,
  from: string,
  to: string,
): Promise<number> {
  const r = await db
    .updateTable('user_totp')
    .set({ secret: to })
    .where('user_id', '=', userId)
    .where('secret', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
