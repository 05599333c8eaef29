import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, IsoDateTime, Text, Uuid } from './common';

export const SEXES = ['male', 'female', 'unknown'] as const;
export const SexSchema = Type.Union(SEXES.map((s) => Type.Literal(s)));
export type Sex = Static<typeof SexSchema>;

/** Basic medical insurance schemes in China: urban employee, urban-rural resident (incl. former NCMS), none, other. */
export const INSURANCE_TYPES = [
  'urban_employee',
  'urban_rural_resident',
  'new_rural_cooperative',
  'commercial',
  'none',
  'other',
] as const;
export const InsuranceSchema = Type.Union(INSURANCE_TYPES.map((s) => Type.Literal(s)));
export type InsuranceType = Static<typeof InsuranceSchema>;

export const CASE_STATUSES = ['active', 'chronic', 'resolved'] as const;
export const CaseStatusSchema = Type.Union(CASE_STATUSES.map((s) => Type.Literal(s)));
export type CaseStatus = Static<typeof CaseStatusSchema>;

/** 18-character resident identity number (last char may be X); 15-digit legacy numbers accepted too. */
export const NATIONAL_ID_PATTERN = '^([0-9]{17}[0-9Xx]|[0-9]{15})$';
/** ICD-10 code such as I50, I50.9, E11.65, N18.5. */
export const ICD10_PATTERN = '^[A-TV-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$';
export const PHONE_PATTERN = '^[0-9+()\\- ]{5,20}$';

export const FollowUp = Type.Object({
  id: Uuid,
  caseId: Uuid,
  date: IsoDate,
  byUserId: Uuid,
  byName: Type.String(),
  notes: Type.String(),
  nextDueDate: Type.Union([IsoDate, Type.Null()]),
  createdAt: IsoDateTime,
});
export type FollowUp = Static<typeof FollowUp>;
export const FollowUpCreate = Type.Object(
  { date: IsoDate, notes: Text(4000), nextDueDate: Type.Optional(Type.Union([IsoDate, Type.Null()])) },
  { additionalProperties: false },
);
export type FollowUpCreate = Static<typeof FollowUpCreate>;

/** One disease, one case file: diagnosis + ICD-10, status and its treatment plan. */
export const PatientCase = Type.Object({
  id: Uuid,
  patientId: Uuid,
  diagnosis: Type.String(),
  icd10: Type.String(),
  status: CaseStatusSchema,
  treatmentPlan: Type.String(),
  nextFollowUpDue: Type.Union([IsoDate, Type.Null()]),
  followUps: Type.Array(FollowUp),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type PatientCase = Static<typeof PatientCase>;
export const CaseCreate = Type.Object(
  {
    diagnosis: Text(500),
    icd10: Type.String({ pattern: ICD10_PATTERN }),
    status: Type.Optional(CaseStatusSchema),
    treatmentPlan: Type.Optional(Type.String({ maxLength: 8000 })),
  },
  { additionalProperties: false },
);
export type CaseCreate = Static<typeof CaseCreate>;
export const CaseUpdate = Type.Partial(CaseCreate, { additionalProperties: false });
export type CaseUpdate = Static<typeof CaseUpdate>;

export const Patient = Type.Object({
  id: Uuid,
  hospitalId: Uuid,
  name: Type.String(),
  sex: SexSchema,
  birthDate: IsoDate,
  /** Full number only for roles holding patients:read-national-id at the owning hospital; masked otherwise. */
  nationalId: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  village: Type.Union([Type.String(), Type.Null()]),
  povertyRegistered: Type.Boolean(),
  insuranceType: InsuranceSchema,
  /** True when the actor may edit (the owning county hospital); false for consultants reading through a request. */
  editable: Type.Boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Patient = Static<typeof Patient>;

export const PatientDetail = Type.Composite([Patient, Type.Object({ cases: Type.Array(PatientCase) })]);
export type PatientDetail = Static<typeof PatientDetail>;

export const PatientListItem = Type.Composite([
  Patient,
  Type.Object({
    chronic: Type.Boolean(),
    overdueFollowUp: Type.Boolean(),
    caseCount: Type.Integer(),
  }),
]);
export type PatientListItem = Static<typeof PatientListItem>;

export const PatientCreate = Type.Object(
  {
    name: Text(100),
    sex: SexSchema,
    birthDate: IsoDate,
    nationalId: Type.Optional(Type.Union([Type.String({ pattern: NATIONAL_ID_PATTERN }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ pattern: PHONE_PATTERN }), Type.Null()])),
    address: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    village: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    povertyRegistered: Type.Optional(Type.Boolean()),
    insuranceType: Type.Optional(InsuranceSchema),
  },
  { additionalProperties: false },
);
export type PatientCreate = Static<typeof PatientCreate>;
export const PatientUpdate = Type.Partial(PatientCreate, { additionalProperties: false });
export type PatientUpdate = Static<typeof PatientUpdate>;

export const PatientQuery = Type.Object({
  /** Matches name (substring) or national ID (exact or last digits). */
  q: Type.Optional(Type.String({ maxLength: 100 })),
  povertyRegistered: Type.Optional(Type.Boolean()),
  chronic: Type.Optional(Type.Boolean()),
  overdue: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type PatientQuery = Static<typeof PatientQuery>;

export const PatientPage = Type.Object({
  items: Type.Array(PatientListItem),
  total: Type.Integer({ minimum: 0 }),
});
export type PatientPage = Static<typeof PatientPage>;

export const CaseParams = Type.Object({ id: Uuid, caseId: Uuid });
export type CaseParams = Static<typeof CaseParams>;
