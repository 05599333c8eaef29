import { Type, type Static } from '@sinclair/typebox';
import { ROLES, LOCALES, HOSPITAL_TIERS } from '../roles';
import { Uuid } from './common';

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const LocaleSchema = Type.Union(LOCALES.map((l) => Type.Literal(l)));
export const TierSchema = Type.Union(HOSPITAL_TIERS.map((t) => Type.Literal(t)));

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    /** The second factor: a 6-digit TOTP code or a recovery code (xxxxx-xxxxx). */
    code: Type.Optional(Type.String({ minLength: 6, maxLength: 16, pattern: '^[0-9a-z-]+$' })),
    /** Skip the second factor on this browser for MFA_REMEMBER_DAYS. */
    rememberDevice: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

/** The signed-in user as the client sees it. */
export const Me = Type.Object({
  id: Uuid,
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  locale: LocaleSchema,
  hospital: Type.Union([
    Type.Object({ id: Uuid, nameZh: Type.String(), nameEn: Type.String(), tier: TierSchema }),
    Type.Null(),
  ]),
  departmentId: Type.Union([Uuid, Type.Null()]),
  permissions: Type.Array(Type.String()),
  /** Second factor: enrolled, required by the role's policy, and whether this session may only enrol. */
  mfa: Type.Object({ enabled: Type.Boolean(), required: Type.Boolean(), enrolmentPending: Type.Boolean() }),
  /** Echo this in the `x-csrf-token` header of every state-changing request. */
  csrfToken: Type.String(),
});
export type Me = Static<typeof Me>;

export const LocaleBody = Type.Object({ locale: LocaleSchema }, { additionalProperties: false });
export type LocaleBody = Static<typeof LocaleBody>;

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
    newPassword: Type.String({ minLength: 10, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'consult_sid';

/** A new TOTP secret to enrol: the app scans the QR code (or the secret is typed in). */
export const TotpSetup = Type.Object({
  secret: Type.String(),
  otpauthUri: Type.String(),
  /** The otpauth URI as an SVG QR code. */
  qrSvg: Type.String(),
});
export type TotpSetup = Static<typeof TotpSetup>;

export const TotpCodeBody = Type.Object(
  { code: Type.String({ pattern: '^[0-9]{6}$' }) },
  { additionalProperties: false },
);
export type TotpCodeBody = Static<typeof TotpCodeBody>;

/** Shown once, after enrolment or regeneration. */
export const RecoveryCodes = Type.Object({ codes: Type.Array(Type.String()) });
export type RecoveryCodes = Static<typeof RecoveryCodes>;

/** One of the user's own sessions. */
export const SessionInfo = Type.Object({
  id: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.String(),
  current: Type.Boolean(),
});
export type SessionInfo = Static<typeof SessionInfo>;
export const SessionList = Type.Object({ items: Type.Array(SessionInfo) });
export type SessionList = Static<typeof SessionList>;
export const SessionIdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

export const DEVICE_COOKIE = 'consult_device';
