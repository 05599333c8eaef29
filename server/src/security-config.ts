/**
 * Sign-in security settings (auth/mfa, auth/password-policy): which roles must use a second factor, how long a
 * browser is remembered, and the password rules. Read once at start with the other settings (config.ts).
 */
import { ROLES, type Role } from '@consult/shared';
import { ConfigError, intVar } from './config';

export interface SecurityConfig {
  /** Roles that must use a second factor (TOTP); a user of such a role without one may only enrol. */
  mfaRequiredRoles: Role[];
  /** Days a browser that passed the second factor skips it (0: never remembered). */
  mfaRememberDays: number;
  passwordMinLength: number;
  /** A new password may not equal the current one nor any of the N before it. */
  passwordHistory: number;
}

const DEFAULT_MFA_ROLES = 'specialist,radiologist,program_admin,sys_admin';

export function loadSecurityConfig(env: NodeJS.ProcessEnv): SecurityConfig {
  const raw = env.MFA_REQUIRED_ROLES ?? DEFAULT_MFA_ROLES;
  const roles = raw
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new ConfigError(`MFA_REQUIRED_ROLES: unknown role "${r}" (roles: ${ROLES.join(', ')})`);
    }
  }
  return {
    mfaRequiredRoles: roles as Role[],
    mfaRememberDays: intVar(env, 'MFA_REMEMBER_DAYS', 30, 0, 365),
    passwordMinLength: intVar(env, 'PASSWORD_MIN_LENGTH', 12, 10, 256),
    passwordHistory: intVar(env, 'PASSWORD_HISTORY', 5, 0, 24),
  };
}
