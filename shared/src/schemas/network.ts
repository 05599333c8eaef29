import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, IsoDateTime, Uuid, Text } from './common';
import { LocaleSchema, RoleSchema, TierSchema } from './auth';

export const Hospital = Type.Object({
  id: Uuid,
  nameZh: Type.String(),
  nameEn: Type.String(),
  tier: TierSchema,
  region: Type.String(),
  createdAt: IsoDateTime,
});
export type Hospital = Static<typeof Hospital>;

export const HospitalCreate = Type.Object(
  { nameZh: Text(200), nameEn: Text(200), tier: TierSchema, region: Text(200) },
  { additionalProperties: false },
);
export type HospitalCreate = Static<typeof HospitalCreate>;
export const HospitalUpdate = Type.Partial(HospitalCreate, { additionalProperties: false });
export type HospitalUpdate = Static<typeof HospitalUpdate>;

export const Department = Type.Object({
  id: Uuid,
  hospitalId: Uuid,
  nameZh: Type.String(),
  nameEn: Type.String(),
});
export type Department = Static<typeof Department>;
export const DepartmentCreate = Type.Object(
  { nameZh: Text(200), nameEn: Text(200) },
  { additionalProperties: false },
);
export type DepartmentCreate = Static<typeof DepartmentCreate>;

export const Pairing = Type.Object({
  id: Uuid,
  tertiaryHospitalId: Uuid,
  countyHospitalId: Uuid,
  programName: Type.String(),
  since: IsoDate,
  active: Type.Boolean(),
});
export type Pairing = Static<typeof Pairing>;
export const PairingCreate = Type.Object(
  { tertiaryHospitalId: Uuid, countyHospitalId: Uuid, programName: Text(200), since: IsoDate },
  { additionalProperties: false },
);
export type PairingCreate = Static<typeof PairingCreate>;
export const PairingUpdate = Type.Object(
  { programName: Type.Optional(Text(200)), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type PairingUpdate = Static<typeof PairingUpdate>;

export const User = Type.Object({
  id: Uuid,
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  hospitalId: Type.Union([Uuid, Type.Null()]),
  departmentId: Type.Union([Uuid, Type.Null()]),
  locale: LocaleSchema,
  disabled: Type.Boolean(),
  createdAt: IsoDateTime,
});
export type User = Static<typeof User>;

export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{2,63}$';
export const UserCreate = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN }),
    displayName: Text(100),
    role: RoleSchema,
    hospitalId: Type.Union([Uuid, Type.Null()]),
    departmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    locale: Type.Optional(LocaleSchema),
    password: Type.String({ minLength: 10, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreate>;
export const UserUpdate = Type.Object(
  {
    displayName: Type.Optional(Text(100)),
    /** A new role and/or hospital (a transfer): the user is signed out everywhere and signs in again. */
    role: Type.Optional(RoleSchema),
    hospitalId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    departmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UserUpdate = Static<typeof UserUpdate>;
export const PasswordReset = Type.Object(
  { password: Type.String({ minLength: 10, maxLength: 256 }) },
  { additionalProperties: false },
);
export type PasswordReset = Static<typeof PasswordReset>;

export const UserQuery = Type.Object({
  hospitalId: Type.Optional(Uuid),
  role: Type.Optional(RoleSchema),
});
export type UserQuery = Static<typeof UserQuery>;
