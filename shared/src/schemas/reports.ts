import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, IsoDateTime, Text, Uuid } from './common';
import { SignatureCheck, SignatureSigner, SigningPin } from './signers';

/** An ICD-10 code of the list shipped with the app (a curated subset, zh-CN + en titles). */
export const Icd10Code = Type.Object({ code: Type.String(), titleZh: Type.String(), titleEn: Type.String() });
export type Icd10Code = Static<typeof Icd10Code>;
export const Icd10Query = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
export type Icd10Query = Static<typeof Icd10Query>;

/** A diagnosis on the report: a code from the shipped list; its titles are copied in so the signed text is complete. */
export const ReportDiagnosis = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z][0-9]{2}(\\.[0-9A-Z]{1,4})?$' }),
    /** Filled in by the server from the shipped list. */
    titleZh: Type.String({ maxLength: 300 }),
    titleEn: Type.String({ maxLength: 300 }),
    primary: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ReportDiagnosis = Static<typeof ReportDiagnosis>;

/** A key image: one frame of a DICOM instance and the annotations drawn on it. */
export const ReportKeyImage = Type.Object(
  {
    studyInstanceUid: Type.String({ pattern: '^[0-9.]{1,64}$' }),
    sopInstanceUid: Type.String({ pattern: '^[0-9.]{1,64}$' }),
    frame: Type.Integer({ minimum: 1, maximum: 100000 }),
    annotationIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 }),
    caption: Type.String({ maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type ReportKeyImage = Static<typeof ReportKeyImage>;

export const ReportRecommendations = Type.Object(
  {
    treatmentPlan: Type.String({ maxLength: 10000 }),
    /** Refer the patient to the tertiary hospital. */
    referral: Type.Boolean(),
    referralNote: Type.String({ maxLength: 2000 }),
    /** Days until the next follow-up; null = none. Lands in the case plan on acknowledgement. */
    followUpIntervalDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ReportRecommendations = Static<typeof ReportRecommendations>;

/** The clinical content: what the author writes and what gets signed. */
export const ReportContent = Type.Object(
  {
    findings: Type.String({ maxLength: 20000 }),
    impression: Type.String({ maxLength: 10000 }),
    diagnoses: Type.Array(ReportDiagnosis, { maxItems: 20 }),
    recommendations: ReportRecommendations,
    keyImages: Type.Array(ReportKeyImage, { maxItems: 30 }),
  },
  { additionalProperties: false },
);
export type ReportContent = Static<typeof ReportContent>;

export const REPORT_STATUSES = ['draft', 'signed', 'amending', 'acknowledged'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const ReportStatusSchema = Type.Union(REPORT_STATUSES.map((s) => Type.Literal(s)));

/** One signed, immutable version. `content` is exactly what the signature covers (with the header fields). */
export const ReportVersion = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  content: ReportContent,
  signedAt: IsoDateTime,
  signerId: Uuid,
  signerName: Type.String(),
  amendmentReason: Type.Union([Type.String(), Type.Null()]),
  /** SHA-256 of the signing public key (hex, first 16 bytes shown in the PDF). */
  keyFingerprint: Type.String(),
  signature: Type.String(),
});
export type ReportVersion = Static<typeof ReportVersion>;

export const ReportDraft = Type.Object({
  content: ReportContent,
  /** Optimistic-concurrency token: send it back with the next autosave. */
  revision: Type.Integer({ minimum: 0 }),
  updatedAt: IsoDateTime,
  updatedByName: Type.String(),
  /** Set while the draft is an amendment of a signed version. */
  amendmentReason: Type.Union([Type.String(), Type.Null()]),
});
export type ReportDraft = Static<typeof ReportDraft>;

/** Who the report is about, as printed on its header (ID number always masked). */
export const ReportPatientHeader = Type.Object({
  name: Type.String(),
  sex: Type.Union([Type.Literal('male'), Type.Literal('female'), Type.Literal('unknown')]),
  birthDate: IsoDate,
  /** Whole years at the first signature (or today, before it). */
  ageYears: Type.Integer({ minimum: 0 }),
  nationalIdMasked: Type.Union([Type.String(), Type.Null()]),
  /** The requesting hospital's own record number of the patient (病历号), if kept. */
  recordNumber: Type.Union([Type.String(), Type.Null()]),
  hospitalZh: Type.String(),
  hospitalEn: Type.String(),
});
export type ReportPatientHeader = Static<typeof ReportPatientHeader>;

/** An ISO UTC instant as local wall time in a zone: "2026-12-03 16:05". */
export function localDateTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const v = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${v('year')}-${v('month')}-${v('day')} ${v('hour')}:${v('minute')}`;
}

/** Whole years between a birth date and a day (both YYYY-MM-DD). */
export function ageOn(birthDate: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return Math.max(0, day.slice(5) < birthDate.slice(5) ? years - 1 : years);
}

export const Report = Type.Object({
  id: Uuid,
  /** Human report number (CODE-YYYY-NNNNNN), assigned at the first signature; null before. */
  reportNumber: Type.Union([Type.String(), Type.Null()]),
  /** IANA zone the report's times are shown in (REPORT_TIME_ZONE, default Asia/Shanghai); the wire stays UTC. */
  timeZone: Type.String(),
  patient: ReportPatientHeader,
  consultationId: Uuid,
  status: ReportStatusSchema,
  authorId: Uuid,
  authorName: Type.String(),
  draft: Type.Union([ReportDraft, Type.Null()]),
  currentVersion: Type.Integer({ minimum: 0 }),
  versions: Type.Array(ReportVersion),
  acknowledgedAt: Type.Union([IsoDateTime, Type.Null()]),
  acknowledgedByName: Type.Union([Type.String(), Type.Null()]),
  /** The next follow-up date written into the case plan on acknowledgement. */
  nextFollowUpDate: Type.Union([IsoDate, Type.Null()]),
  createdAt: IsoDateTime,
});
export type Report = Static<typeof Report>;

export const ReportDraftSave = Type.Object(
  { content: ReportContent, baseRevision: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type ReportDraftSave = Static<typeof ReportDraftSave>;

/**
 * Signing: with the author's own key, its signing PIN; authors without a key (while SIGNER_KEY_REQUIRED is false)
 * sign under the deployment key with their account password.
 */
export const ReportSign = Type.Object(
  { pin: Type.Optional(SigningPin), password: Type.Optional(Text(200)) },
  { additionalProperties: false },
);
export type ReportSign = Static<typeof ReportSign>;

export const ReportAmend = Type.Object({ reason: Text(2000) }, { additionalProperties: false });
export type ReportAmend = Static<typeof ReportAmend>;

export const ConsultationIdParams = Type.Object({ consultationId: Uuid });
export const ReportVersionParams = Type.Object({ id: Uuid, version: Type.Integer({ minimum: 1 }) });
export const ReportDiffQuery = Type.Object({
  from: Type.Integer({ minimum: 1 }),
  to: Type.Integer({ minimum: 1 }),
});
export const ReportPdfQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  lang: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])),
});

/** One changed field between two versions; `path` like `recommendations.treatmentPlan` or `diagnoses[0].code`. */
export const ReportDiffEntry = Type.Object({
  path: Type.String(),
  before: Type.Union([Type.String(), Type.Null()]),
  after: Type.Union([Type.String(), Type.Null()]),
});
export type ReportDiffEntry = Static<typeof ReportDiffEntry>;
export const ReportDiff = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  amendmentReason: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Array(ReportDiffEntry),
});
export type ReportDiff = Static<typeof ReportDiff>;

export const ReportVerifyResult = Type.Object({
  ok: Type.Boolean(),
  reportId: Uuid,
  keyFingerprint: Type.String(),
  versions: Type.Array(
    Type.Object({
      version: Type.Integer(),
      ok: Type.Boolean(),
      /** The first failed check's explanation; null when every check passed. */
      reason: Type.Union([Type.String(), Type.Null()]),
      /** Every check of this version, each naming what it compared. */
      checks: Type.Array(SignatureCheck),
      signer: Type.Union([SignatureSigner, Type.Null()]),
    }),
  ),
});
export type ReportVerifyResult = Static<typeof ReportVerifyResult>;

export const ReportPublicKey = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  publicKeyPem: Type.String(),
  fingerprint: Type.String(),
});
export type ReportPublicKey = Static<typeof ReportPublicKey>;

/** An empty draft, used by the editor and the server when a report is opened. */
export const emptyReportContent = (): ReportContent => ({
  findings: '',
  impression: '',
  diagnoses: [],
  recommendations: { treatmentPlan: '', referral: false, referralNote: '', followUpIntervalDays: null },
  keyImages: [],
});

/** A row of "my reports": the consultant's drafts and signed reports, or the county's reports to acknowledge. */
export const ReportListItem = Type.Object({
  id: Uuid,
  consultationId: Uuid,
  status: ReportStatusSchema,
  currentVersion: Type.Integer({ minimum: 0 }),
  authorName: Type.String(),
  patientName: Type.String(),
  consultationType: Type.String(),
  urgency: Type.String(),
  requestingHospitalZh: Type.String(),
  requestingHospitalEn: Type.String(),
  primaryDiagnosis: Type.Union([Type.String(), Type.Null()]),
  updatedAt: IsoDateTime,
});
export type ReportListItem = Static<typeof ReportListItem>;
export const ReportListQuery = Type.Object({
  status: Type.Optional(ReportStatusSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 100 })),
});
export type ReportListQuery = Static<typeof ReportListQuery>;
