import { Type, type Static, type TSchema } from '@sinclair/typebox';
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

/** 18-character resident identity number (GB 11643-1999; the last char may be X). See checkNationalId. */
export const NATIONAL_ID_PATTERN = '^[0-9]{17}[0-9Xx]$';
/** ICD-10 code such as I50, I50.9, E11.65, N18.5. */
export const ICD10_PATTERN = '^[A-TV-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$';
/** A hospital record number: letters, digits and - / . (1–40). */
export const RECORD_NUMBER_PATTERN = '^[A-Za-z0-9][A-Za-z0-9/.-]{0,39}$';
export const PHONE_PATTERN = '^[0-9+()\\- ]{5,20}$';

/** Why a resident ID number is refused (each has a translated message in the client). */
export type NationalIdFault = 'format' | 'birth_date' | 'check_digit';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** GB 11643-1999 check character of the first 17 digits (ISO 7064 MOD 11-2). */
export function nationalIdCheckChar(first17: string): string {
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * ID_WEIGHTS[i]!, 0);
  return '10X98765432'[sum % 11]!;
}

/** The birth date (YYYY-MM-DD) encoded in an 18-character ID number. */
export const nationalIdBirthDate = (id: string): string =>
  `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;

/**
 * Checks an 18-character resident ID number: 17 digits and a digit or X, a real birth date (1900 … today),
 * and the GB 11643-1999 check character. null when valid.
 */
export function checkNationalId(id: string, today = new Date()): NationalIdFault | null {
  if (!new RegExp(NATIONAL_ID_PATTERN).test(id)) return 'format';
  const birth = nationalIdBirthDate(id);
  const d = new Date(`${birth}T00:00:00Z`);
  if (
    Number.isNaN(d.getTime()) ||
    d.toISOString().slice(0, 10) !== birth ||
    birth < '1900-01-01' ||
    birth > today.toISOString().slice(0, 10)
  )
    return 'birth_date';
  if (nationalIdCheckChar(id.slice(0, 17)) !== id[17]!.toUpperCase()) return 'check_digit';
  return null;
}

/** How well the patient takes the prescribed medication (规律服药 / 间断服药 / 不服药 / 无需服药). */
export const ADHERENCE = ['regular', 'irregular', 'none', 'not_prescribed'] as const;
export const AdherenceSchema = Type.Union(ADHERENCE.map((s) => Type.Literal(s)));
export type Adherence = Static<typeof AdherenceSchema>;

/** A visit recorded by the county doctor, or the entry written when a remote report is acknowledged. */
export const FOLLOW_UP_KINDS = ['visit', 'report_acknowledged'] as const;
export const FollowUpKindSchema = Type.Union(FOLLOW_UP_KINDS.map((s) => Type.Literal(s)));
export type FollowUpKind = Static<typeof FollowUpKindSchema>;

/** Plausible ranges of the measured values (outside: 400 naming the field). */
export const FOLLOW_UP_LIMITS = {
  systolic: { minimum: 50, maximum: 300 },
  diastolic: { minimum: 20, maximum: 200 },
  /** mmol/L */
  glucose: { minimum: 0.5, maximum: 50 },
  /** kg */
  weight: { minimum: 0.5, maximum: 400 },
} as const;

const nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const FollowUp = Type.Object({
  id: Uuid,
  caseId: Uuid,
  kind: FollowUpKindSchema,
  date: IsoDate,
  byUserId: Uuid,
  byName: Type.String(),
  /** Free text; older entries hold everything here. */
  notes: Type.String(),
  systolic: nullable(Type.Integer()),
  diastolic: nullable(Type.Integer()),
  glucose: nullable(Type.Number()),
  weight: nullable(Type.Number()),
  symptoms: Type.String(),
  adherence: nullable(AdherenceSchema),
  nextDueDate: nullable(IsoDate),
  /** For kind report_acknowledged: the report, its number and version, the primary ICD-10 code. */
  reportId: nullable(Uuid),
  reportNumber: nullable(Type.String()),
  reportVersion: nullable(Type.Integer()),
  reportDiagnosis: nullable(Type.String()),
  createdAt: IsoDateTime,
});
export type FollowUp = Static<typeof FollowUp>;
export const FollowUpCreate = Type.Object(
  {
    date: IsoDate,
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
    // Not measured → left out (not null: a nullable number would let validation coerce 0 to null).
    systolic: Type.Optional(Type.Integer(FOLLOW_UP_LIMITS.systolic)),
    diastolic: Type.Optional(Type.Integer(FOLLOW_UP_LIMITS.diastolic)),
    glucose: Type.Optional(Type.Number(FOLLOW_UP_LIMITS.glucose)),
    weight: Type.Optional(Type.Number(FOLLOW_UP_LIMITS.weight)),
    symptoms: Type.Optional(Type.String({ maxLength: 2000 })),
    adherence: Type.Optional(AdherenceSchema),
    nextDueDate: Type.Optional(nullable(IsoDate)),
  },
  { additionalProperties: false },
);
export type FollowUpCreate = Static<typeof FollowUpCreate>;

/** One overdue follow-up: a case not resolved whose next due date has passed. */
export const OverdueFollowUp = Type.Object({
  patientId: Uuid,
  patientName: Type.String(),
  sex: SexSchema,
  birthDate: IsoDate,
  village: nullable(Type.String()),
  phone: nullable(Type.String()),
  povertyRegistered: Type.Boolean(),
  hospitalId: Uuid,
  hospitalName: Type.String(),
  caseId: Uuid,
  diagnosis: Type.String(),
  icd10: Type.String(),
  caseStatus: CaseStatusSchema,
  dueDate: IsoDate,
  daysOverdue: Type.Integer({ minimum: 1 }),
  lastFollowUpDate: nullable(IsoDate),
});
export type OverdueFollowUp = Static<typeof OverdueFollowUp>;
export const OverdueQuery = Type.Object({
  povertyRegistered: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
});
export type OverdueQuery = Static<typeof OverdueQuery>;
export const OverdueList = Type.Object({ items: Type.Array(OverdueFollowUp) });
export type OverdueList = Static<typeof OverdueList>;

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
  /** The county hospital's own record number (病历号), unique per hospital; null when not kept. */
  recordNumber: Type.Union([Type.String(), Type.Null()]),
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
    recordNumber: Type.Optional(Type.Union([Type.String({ pattern: RECORD_NUMBER_PATTERN }), Type.Null()])),
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
