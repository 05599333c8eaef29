import crypto from 'node:crypto';
import QRCode from 'qrcode';
import type { RecoveryCodes, Role, SessionInfo, TotpSetup } from '@consult/shared';
import type { DB, Executor } from '../../db/database';
import type { SecurityConfig } from '../../config';
import { DomainError } from '../../errors';
import { recordAudit } from '../../audit/service';
import type { Actor } from '../actor';
import * as q from './queries';
import { matchStep, newSecret, otpauthUri } from './totp';
import { secretsAtRest } from '../../secrets/seal';

/** TOTP secrets are sealed at rest with SECRETS_KEY when set (secrets/seal.ts), bound to their user. */
const totpPlace = (userId: string) => `totp:${userId}`;
const openSecret = (row: { user_id: string; secret: string }) =>
  secretsAtRest().open(row.secret, totpPlace(row.user_id));

/** With SECRETS_KEY set: seal the TOTP secrets stored before it was (at start; returns how many). */
export async function sealStoredTotpSecrets(db: DB): Promise<number> {
  const sealer = secretsAtRest();
  if (!sealer.active) return 0;
  let n = 0;
  for (const row of await q.unsealedTotpSecrets(db)) {
    const sealed = sealer.seal(row.secret, totpPlace(row.user_id));
    n += await q.replaceTotpSecret(db, row.user_id, row.secret, sealed);
  }
  return n;
}

const ISSUER = 'Remote Consultation 远程会诊';
const RECOVERY_CODES = 10;
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export const mfaRequired = (cfg: SecurityConfig, role: Role): boolean => cfg.mfaRequiredRoles.includes(role);

/** Whether the user has a confirmed second factor. */
export const mfaEnabled = async (db: Executor, userId: string): Promise<boolean> =>
  !!(await q.findTotp(db, userId))?.confirmed_at;

/** A recovery code: 10 base32-ish characters in two groups (about 50 random bits), lower case, no look-alikes. */
function recoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(10);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** Start (or restart) enrolment: a new secret, not yet in force until `confirmTotp`. */
export async function setupTotp(db: DB, actor: Actor): Promise<TotpSetup> {
  if (await mfaEnabled(db, actor.id)) {
    throw new DomainError('conflict', 'a second factor is already enrolled');
  }
  const secret = newSecret();
  await q.savePendingTotp(db, actor.id, secretsAtRest().seal(secret, totpPlace(actor.id)));
  const uri = otpauthUri(secret, ISSUER, actor.username);
  return { secret, otpauthUri: uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) };
}

/** Confirm enrolment with a code from the app; returns the recovery codes (shown once). */
export async function confirmTotp(db: DB, actor: Actor, code: string): Promise<RecoveryCodes> {
  const row = await q.findTotp(db, actor.id);
  if (!row) throw new DomainError('validation', 'start the enrolment first', 'code');
  if (row.confirmed_at) throw new DomainError('conflict', 'a second factor is already enrolled');
  const step = matchStep(openSecret(row), code);
  const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
  await db.transaction().execute(async (trx) => {
    if (step === null || !(await q.acceptStep(trx, actor.id, step, true))) {
      throw new DomainError('validation', 'the code does not match; check the time on the phone', 'code');
    }
    await q.replaceRecoveryCodes(trx, actor.id, codes.map(sha256));
    if (actor.sessionId) await q.endEnrolmentPending(trx, actor.sessionId);
    await recordAudit(trx, {
      actor,
      action: 'auth.mfa_enrol',
      entityType: 'user',
      entityId: actor.id,
      ip: actor.ip,
    });
  });
  return { codes };
}

/** New recovery codes (the old ones stop working), after a current TOTP code. */
export async function regenerateRecoveryCodes(db: DB, actor: Actor, code: string): Promise<RecoveryCodes> {
  const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
  await db.transaction().execute(async (trx) => {
    await checkTotp(trx, actor.id, code);
    await q.replaceRecoveryCodes(trx, actor.id, codes.map(sha256));
    await recordAudit(trx, {
      actor,
      action: 'auth.mfa_recovery_codes',
      entityType: 'user',
      entityId: actor.id,
      ip: actor.ip,
    });
  });
  return { codes };
}

async function checkTotp(db: Executor, userId: string, code: string): Promise<void> {
  const row = await q.findTotp(db, userId);
  const step = row?.confirmed_at ? matchStep(openSecret(row), code) : null;
  if (step === null || !(await q.acceptStep(db, userId, step, false))) {
    throw new DomainError('unauthenticated', 'the verification code is wrong or was already used', 'code');
  }
}

export interface SecondFactorInput {
  code?: string;
  /** The remembered-device cookie, if the browser sent one. */
  deviceToken?: string;
  rememberDevice?: boolean;
  userAgent: string;
}

export interface SecondFactorOutcome {
  /** The session may only enrol (role requires a second factor, none enrolled yet). */
  enrolmentPending: boolean;
  /** A new remembered-device cookie to set. */
  rememberToken?: string;
  /** How the factor was satisfied, for the audit record. */
  via: 'none' | 'totp' | 'recovery_code' | 'remembered_device' | 'enrolment_pending';
}

/**
 * The second step of a sign-in whose password was right. Throws `mfa_required` when a code is needed and none
 * came, `unauthenticated` (field `code`) when it is wrong; the caller counts the latter as a failed sign-in.
 */
export async function secondFactor(
  db: DB,
  cfg: SecurityConfig,
  user: { id: string; role: Role },
  input: SecondFactorInput,
): Promise<SecondFactorOutcome> {
  const enrolled = await mfaEnabled(db, user.id);
  if (!enrolled) {
    return mfaRequired(cfg, user.role)
      ? { enrolmentPending: true, via: 'enrolment_pending' }
      : { enrolmentPending: false, via: 'none' };
  }
  if (!input.code && input.deviceToken && (await q.isTrustedDevice(db, sha256(input.deviceToken), user.id))) {
    return { enrolmentPending: false, via: 'remembered_device' };
  }
  if (!input.code) throw new DomainError('mfa_required', 'enter the code from your authenticator app');
  let via: SecondFactorOutcome['via'];
  if (/^\d{6}$/.test(input.code)) {
    await checkTotp(db, user.id, input.code);
    via = 'totp';
  } else {
    if (!(await q.useRecoveryCode(db, user.id, sha256(input.code.toLowerCase())))) {
      throw new DomainError('unauthenticated', 'the recovery code is wrong or was already used', 'code');
    }
    via = 'recovery_code';
  }
  if (!input.rememberDevice || cfg.mfaRememberDays === 0) return { enrolmentPending: false, via };
  const rememberToken = crypto.randomBytes(32).toString('base64url');
  await q.insertTrustedDevice(db, {
    id: sha256(rememberToken),
    user_id: user.id,
    user_agent: input.userAgent.slice(0, 256),
    expires_at: new Date(Date.now() + cfg.mfaRememberDays * 86_400_000),
  });
  return { enrolmentPending: false, rememberToken, via };
}

/** Remove the user's second factor entirely (an administrator's reset): they enrol again when required. */
export async function removeSecondFactor(db: Executor, userId: string): Promise<void> {
  await q.deleteTotp(db, userId);
  await q.replaceRecoveryCodes(db, userId, []);
  await q.forgetTrustedDevices(db, userId);
}

/** Forget every remembered browser of the user (after a password change or on request). */
export const forgetDevices = (db: Executor, userId: string) => q.forgetTrustedDevices(db, userId);

export const recoveryCodesLeft = (db: Executor, userId: string) => q.unusedRecoveryCodes(db, userId);

/** The user's own live sessions, the most recently used first. */
export async function ownSessions(db: Executor, actor: Actor): Promise<SessionInfo[]> {
  const rows = await q.ownSessions(db, actor.id);
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    current: r.id === actor.sessionId,
  }));
}

/** End one of the user's own sessions (404 for anyone else's); the caller closes its sockets. */
export async function endOwnSession(db: DB, actor: Actor, sessionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await q.deleteOwnSession(trx, actor.id, sessionId))) {
      throw new DomainError('not_found', 'no such session of yours');
    }
    await recordAudit(trx, {
      actor,
      action: 'auth.session_end',
      entityType: 'user',
      entityId: actor.id,
      ip: actor.ip,
    });
  });
}
