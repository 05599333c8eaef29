import crypto from 'node:crypto';
import { ROLE_PERMISSIONS, type Locale, type Me } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Config } from '../config';
import { DomainError } from '../errors';
import { recordAudit } from '../audit/service';
import type { Actor } from './actor';
import { burnVerify, verifyPassword } from './password';
import { checkNewPassword, replacePassword } from './password-policy';
import * as mfa from './mfa/service';
import * as q from './queries';
import { keepSession, keptSession, sessionExtended, sessionFence } from './session-cache';

export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const token = () => crypto.randomBytes(32).toString('base64url');

export interface LoginResult {
  /** The cookie value; only its hash is stored. */
  cookieToken: string;
  actor: Actor;
  /** A remembered-device cookie to set (the user asked to skip the second factor on this browser). */
  rememberToken?: string;
}

export type AuthConfig = Pick<
  Config,
  'loginMaxFailures' | 'loginLockMinutes' | 'sessionTtlHours' | 'security'
>;

/** What a sign-in brings besides the password: the second factor, the device cookie, the browser. */
export interface LoginExtras {
  code?: string;
  rememberDevice?: boolean;
  deviceToken?: string;
  userAgent?: string;
}

/**
 * The one answer to every refused sign-in — unknown user, wrong password, locked — so the answer never tells
 * whether a username exists or is locked. (A disabled account is told so, but only with its right password.)
 */
const refused = () => new DomainError('unauthenticated', 'wrong username or password');

/**
 * Sign in. Failed attempts are counted per account AND client address: after LOGIN_MAX_FAILURES in a row from
 * one address, that address may not sign in to that account for LOGIN_LOCK_MINUTES, while the same account from
 * any other address still can. So guessing is throttled (plus the per-address rate limit) without letting
 * anyone lock a known user out — a lock keyed on the account alone would let a stranger keep a doctor locked out
 * for ever by failing every 15 minutes. Every refusal costs one argon2 verification (a dummy hash for an unknown
 * user, the real one even when locked), so timing tells nothing either.
 */
export async function login(
  db: DB,
  cfg: AuthConfig,
  username: string,
  password: string,
  ip: string | null,
  extras: LoginExtras = {},
): Promise<LoginResult> {
  const user = await q.findUserByUsername(db, username);
  const fail = async (reason: string, userId: string | null) => {
    await recordAudit(db, {
      actor: userId && user ? { id: user.id, role: user.role, hospitalId: user.hospital_id } : null,
      action: 'auth.login',
      entityType: 'user',
      entityId: userId ?? username,
      outcome: 'failure',
      ip,
      detail: { reason },
    });
  };
  if (!user) {
    await burnVerify(password);
    await fail('unknown user', null);
    throw refused();
  }
  const client = ip ?? 'unknown';
  const now = Date.now();
  const record = await q.findLoginFailures(db, user.id, client);
  const locked = !!record?.locked_until && record.locked_until.getTime() > now;
  const ok = await verifyPassword(user.password_hash, password);
  if (locked) {
    await fail('locked for this client', user.id);
    throw refused();
  }
  // A streak older than the lock time is forgotten: only consecutive recent failures count.
  const countFailure = async (what: string) => {
    const stale = !record || now - record.updated_at.getTime() > cfg.loginLockMinutes * 60000;
    const failures = (stale ? 0 : record.failures) + 1;
    const lock = failures >= cfg.loginMaxFailures;
    await q.saveLoginFailures(db, {
      user_id: user.id,
      client,
      failures: lock ? 0 : failures,
      locked_until: lock ? new Date(now + cfg.loginLockMinutes * 60000) : null,
    });
    await fail(lock ? `${what}; locked for this client` : what, user.id);
  };
  if (!ok) {
    await countFailure('bad password');
    throw refused();
  }
  if (user.disabled) {
    await fail('disabled', user.id);
    throw new DomainError('forbidden', 'this account is disabled');
  }
  let factor: mfa.SecondFactorOutcome;
  try {
    factor = await mfa.secondFactor(db, cfg.security, user, {
      code: extras.code,
      deviceToken: extras.deviceToken,
      rememberDevice: extras.rememberDevice,
      userAgent: extras.userAgent ?? '',
    });
  } catch (e) {
    // A wrong second factor counts like a wrong password; a missing one (the first step) does not.
    if (e instanceof DomainError && e.code === 'unauthenticated') await countFailure('bad second factor');
    throw e;
  }
  const cookieToken = token();
  const csrf = token();
  const sessionId = sha256(cookieToken);
  await db.transaction().execute(async (trx) => {
    await q.deleteLoginFailures(trx, user.id, client);
    await q.insertSession(trx, {
      id: sessionId,
      user_id: user.id,
      csrf_token: csrf,
      expires_at: new Date(Date.now() + cfg.sessionTtlHours * 3600_000),
      ip,
      user_agent: (extras.userAgent ?? '').slice(0, 256),
      mfa_enrolment_pending: factor.enrolmentPending,
    });
    await recordAudit(trx, {
      actor: { id: user.id, role: user.role, hospitalId: user.hospital_id },
      action: 'auth.login',
      entityType: 'user',
      entityId: user.id,
      ip,
      detail: { secondFactor: factor.via },
    });
  });
  return {
    cookieToken,
    rememberToken: factor.rememberToken,
    actor: {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      role: user.role,
      hospitalId: user.hospital_id,
      departmentId: user.department_id,
      sessionId,
      csrfToken: csrf,
      ip,
      mfaEnrolmentPending: factor.enrolmentPending,
    },
  };
}

/** End every session of a user (their credentials were reset). */
export const endUserSessions = (ex: Executor, userId: string) => q.deleteUserSessions(ex, userId);

/** Lift every sign-in lock of a user (an administrator reset their password). */
export const clearLoginLocks = (ex: Executor, userId: string) => q.deleteLoginFailures(ex, userId);

/** Resolve a cookie to an actor; null when absent, expired, or the user is disabled. */
export async function actorFromCookie(
  db: DB,
  cfg: AuthConfig,
  cookieToken: string,
  ip: string | null,
): Promise<Actor | null> {
  return actorFromSession(db, cfg, sha256(cookieToken), ip);
}

/** Resolve a session id (the stored hash) to an actor, as `actorFromCookie` (sockets re-check with this). */
export async function actorFromSession(
  db: DB,
  cfg: AuthConfig,
  sid: string,
  ip: string | null,
): Promise<Actor | null> {
  const now = Date.now();
  const row = keptSession(db, sid, now) ?? (await readSession(db, sid));
  if (!row || row.disabled) return null;
  if (row.expires_at.getTime() <= now) {
    await q.deleteSession(db, sid);
    return null;
  }
  const ttl = cfg.sessionTtlHours * 3600_000;
  // Sliding expiry (and the "last used" shown in the user's session list), written at most once per half-TTL
  // or per minute respectively.
  if (row.expires_at.getTime() - now < ttl / 2 || now - row.last_seen_at.getTime() > 60_000) {
    const expiresAt = new Date(Math.max(now + ttl, row.expires_at.getTime()));
    const lastSeenAt = new Date(now);
    await q.extendSession(db, sid, expiresAt, lastSeenAt);
    sessionExtended(db, sid, expiresAt, lastSeenAt);
  }
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    hospitalId: row.hospital_id,
    departmentId: row.department_id,
    sessionId: sid,
    csrfToken: row.csrf_token,
    ip,
    mfaEnrolmentPending: row.mfa_enrolment_pending,
  };
}

/** Session `sid` read from the database, kept for the next requests when it stands (session-cache.ts). */
async function readSession(db: DB, sid: string): Promise<q.SessionRow | undefined> {
  const fence = sessionFence(db);
  const row = await q.findSessionWithUser(db, sid);
  if (row && !row.disabled) keepSession(db, sid, fence, row);
  return row;
}

export async function logout(db: DB, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await q.deleteSession(trx, actor.sessionId);
    await recordAudit(trx, {
      actor,
      action: 'auth.logout',
      entityType: 'user',
      entityId: actor.id,
      ip: actor.ip,
    });
  });
}

export async function me(db: DB, cfg: AuthConfig, actor: Actor): Promise<Me> {
  const user = await q.findUserById(db, actor.id);
  if (!user) throw new DomainError('unauthenticated', 'session user no longer exists');
  const hospital = user.hospital_id ? await q.findHospital(db, user.hospital_id) : undefined;
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    role: user.role,
    locale: user.locale,
    hospital: hospital
      ? { id: hospital.id, nameZh: hospital.name_zh, nameEn: hospital.name_en, tier: hospital.tier }
      : null,
    departmentId: user.department_id,
    permissions: [...ROLE_PERMISSIONS[user.role]],
    mfa: {
      enabled: await mfa.mfaEnabled(db, user.id),
      required: mfa.mfaRequired(cfg.security, user.role),
      enrolmentPending: !!actor.mfaEnrolmentPending,
    },
    csrfToken: actor.csrfToken,
  };
}

export async function setLocale(db: DB, actor: Actor, locale: Locale): Promise<void> {
  await q.setLocale(db, actor.id, locale);
}

export async function changePassword(
  db: DB,
  cfg: AuthConfig,
  actor: Actor,
  current: string,
  next: string,
): Promise<void> {
  const user = await q.findUserById(db, actor.id);
  if (!user || !(await verifyPassword(user.password_hash, current))) {
    throw new DomainError('validation', 'current password is wrong', 'currentPassword');
  }
  await checkNewPassword(db, cfg.security, user, next, 'newPassword');
  await db.transaction().execute(async (trx) => {
    const hashed = await replacePassword(trx, cfg.security, actor.id, user.password_hash, next);
    await q.setPasswordHash(trx, actor.id, hashed);
    // Other sessions end and remembered browsers are forgotten; this session stays.
    await q.deleteUserSessions(trx, actor.id, { except: actor.sessionId });
    await mfa.forgetDevices(trx, actor.id);
    await recordAudit(trx, {
      actor,
      action: 'auth.password_change',
      entityType: 'user',
      entityId: actor.id,
      ip: actor.ip,
    });
  });
}

/** Of `sessionIds`, the ones still valid now (not expired, user active), with their user's current role and hospital. */
export async function liveSessions(
  db: DB,
  sessionIds: string[],
): Promise<Map<string, { userId: string; role: string; hospitalId: string | null }>> {
  const rows = sessionIds.length ? await q.liveSessions(db, sessionIds) : [];
  return new Map(rows.map((r) => [r.id, { userId: r.user_id, role: r.role, hospitalId: r.hospital_id }]));
}
