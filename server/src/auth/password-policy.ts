import { dictionary } from '@zxcvbn-ts/language-common';
import type { Executor } from '../db/database';
import type { SecurityConfig } from '../config';
import { DomainError } from '../errors';
import { hashPassword, verifyPassword } from './password';
import * as q from './mfa/queries';

let common: Set<string> | null = null;
/** ~49,000 passwords seen most often in breaches (the zxcvbn-ts common list), lower-cased; loaded on first use. */
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary.passwords.map((p) => p.toLowerCase()));
  return common;
}

/**
 * The rules every new password meets, whoever sets it (the user, an administrator, the create-admin CLI): long
 * enough, not a common/breached password (also with digits or symbols only around a common word, like
 * "password123!"), not the username, and not the current password or any of the last PASSWORD_HISTORY ones.
 * Each refusal is a 400 on field `field` naming the rule.
 */
export async function checkNewPassword(
  db: Executor,
  cfg: SecurityConfig,
  user: { id: string; username: string; password_hash?: string } | null,
  password: string,
  field = 'password',
): Promise<void> {
  if ([...password].length < cfg.passwordMinLength) {
    throw new DomainError(
      'validation',
      `password too short: at least ${cfg.passwordMinLength} characters`,
      field,
    );
  }
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const set = commonPasswords();
  if (set.has(lower) || (core.length >= 4 && set.has(core)) || /^(.)\1+$/.test(lower)) {
    throw new DomainError(
      'validation',
      'password too common: it appears in lists of breached passwords',
      field,
    );
  }
  if (user && lower.includes(user.username.toLowerCase())) {
    throw new DomainError('validation', 'password contains the username', field);
  }
  if (!user || cfg.passwordHistory === 0) return;
  const previous = [
    ...(user.password_hash ? [user.password_hash] : []),
    ...(await q.recentPasswordHashes(db, user.id, cfg.passwordHistory)).map((r) => r.password_hash),
  ].slice(0, cfg.passwordHistory);
  for (const hash of previous) {
    if (await verifyPassword(hash, password)) {
      throw new DomainError(
        'validation',
        `password used before: choose one not among your last ${cfg.passwordHistory}`,
        field,
      );
    }
  }
}

/** Hash a new password and remember the one it replaces for the reuse rule. */
export async function replacePassword(
  db: Executor,
  cfg: SecurityConfig,
  userId: string,
  oldHash: string,
  password: string,
): Promise<string> {
  if (cfg.passwordHistory > 0) await q.pushPasswordHistory(db, userId, oldHash, cfg.passwordHistory);
  return hashPassword(password);
}
