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
