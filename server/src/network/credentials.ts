import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import type { SecurityConfig } from '../config';
import { recordAudit } from '../audit/service';
import { checkNewPassword, replacePassword } from '../auth/password-policy';
import { forgetDevices, removeSecondFactor } from '../auth/mfa/service';
import { clearLoginLocks, endUserSessions } from '../auth/service';
import { DomainError, notFound } from '../errors';
import * as q from './queries';

/** An administrator's resets of another user's credentials: password and second factor. */

/** The user whose credentials `actor` resets; only a sys_admin resets a sys_admin. */
async function target(ex: Executor, actor: Actor, id: string) {
  const user = await q.findUserCredentials(ex, id);
  if (!user) throw notFound('user');
  if (user.role === 'sys_admin' && actor.role !== 'sys_admin')
    throw new DomainError('forbidden', 'only a sys_admin may reset a sys_admin');
  return user;
}

/** A new password (under the password rules); their sessions, remembered browsers and sign-in locks end. */
export async function resetPassword(
  db: DB,
  security: SecurityConfig,
  actor: Actor,
  id: string,
  password: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const user = await target(trx, actor, id);
    await checkNewPassword(trx, security, user, password);
    await q.setUserPassword(trx, id, await replacePassword(trx, security, id, user.password_hash, password));
    await endUserSessions(trx, id);
    await forgetDevices(trx, id);
    await clearLoginLocks(trx, id);
    await auditReset(trx, actor, 'user.password_reset', id);
  });
}

/** Remove a user's second factor (TOTP, recovery codes, remembered browsers) and end their sessions. */
export async function resetSecondFactor(db: DB, actor: Actor, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await target(trx, actor, id);
    await removeSecondFactor(trx, id);
    await endUserSessions(trx, id);
    await auditReset(trx, actor, 'user.mfa_reset', id);
  });
}

const auditReset = (
  trx: Executor,
  actor: Actor,
  action: 'user.password_reset' | 'user.mfa_reset',
  id: string,
) => recordAudit(trx, { actor, action, entityType: 'user', entityId: id, ip: actor.ip });
