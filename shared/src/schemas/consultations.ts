import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Text, Uuid } from './common';
import { CaseAccess } from './care-team';
import { CONSULTATION_STATES } from '../state/consultation.machine';
import { RoleSchema } from './auth';
import { StudySummary } from './imaging';

export const CONSULTATION_TYPES = [
  'remote_consultation',
  'remote_image_diagnosis',
  'ward_round_case',
  'teaching_case',
] as const;
export const ConsultationTypeSchema = Type.Union(CONSULTATION_TYPES.map((s) => Type.Literal(s)));
export type ConsultationType = Static<typeof ConsultationTypeSchema>;

/** Ordered from most to least pressing. Each has a response SLA in hours (server config). */
export const URGENCIES = ['emergency', 'urgent', 'routine'] as const;
export const UrgencySchema = Type.Union(URGENCIES.map((s) => Type.Literal(s)));
export type Urgency = Static<typeof UrgencySchema>;

export const ConsultationStateSchema = Type.Union(CONSULTATION_STATES.map((s) => Type.Literal(s)));

/** DICOM StudyInstanceUID: dotted digits, at most 64 characters. */
export const STUDY_UID_PATTERN = '^[0-9]+(\\.[0-9]+)*$';

export const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg'] as const;

export const PersonRef = Type.Object({ id: Uuid, displayName: Type.String() });
export const HospitalRef = Type.Object({ id: Uuid, nameZh: Type.String(), nameEn: Type.String() });

/** A row of a worklist or triage queue. */
export const ConsultationSummary = Type.Object({
  id: Uuid,
  type: ConsultationTypeSchema,
  urgency: UrgencySchema,
  state: ConsultationStateSchema,
  patient: Type.Object({ id: Uuid, name: Type.String(), povertyRegistered: Type.Boolean() }),
  caseId: Uuid,
  diagnosis: Type.String(),
  icd10: Type.String(),
  requestingHospital: HospitalRef,
  targetHospital: HospitalRef,
  targetDepartmentId: Type.Union([Uuid, Type.Null()]),
  requester: PersonRef,
  assignee: Type.Union([PersonRef, Type.Null()]),
  clinicalQuestion: Type.String(),
  submittedAt: Type.Union([IsoDateTime, Type.Null()]),
  /** When the response is due (submittedAt + SLA of the urgency); null for drafts. */
  slaDueAt: Type.Union([IsoDateTime, Type.Null()]),
  /** Responded (accepted/declined/returned) after slaDueAt, or still waiting past it. */
  slaBreached: Type.Boolean(),
  acceptedAt: Type.Union([IsoDateTime, Type.Null()]),
  completedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  /** Bumped on every change; clients drop stale events. */
  version: Type.Integer(),
});
export type ConsultationSummary = Static<typeof ConsultationSummary>;

export const Transition = Type.Object({
  id: Uuid,
  from: Type.Union([ConsultationStateSchema, Type.Null()]),
  to: ConsultationStateSchema,
  actor: PersonRef,
  actorRole: RoleSchema,
  note: Type.Union([Type.String(), Type.Null()]),
  at: IsoDateTime,
});
export type Transition = Static<typeof Transition>;

export const Attachment = Type.Object({
  id: Uuid,
  consultationId: Uuid,
  messageId: Type.Union([Uuid, Type.Null()]),
  fileName: Type.String(),
  contentType: Type.String(),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  uploadedBy: PersonRef,
  createdAt: IsoDateTime,
});
export type Attachment = Static<typeof Attachment>;

export const Message = Type.Object({
  id: Uuid,
  consultationId: Uuid,
  author: PersonRef,
  authorRole: RoleSchema,
  authorHospitalId: Type.Union([Uuid, Type.Null()]),
  body: Type.String(),
  attachments: Type.Array(Attachment),
  createdAt: IsoDateTime,
});
export type Message = Static<typeof Message>;

export const StudyLink = Type.Object({
  consultationId: Uuid,
  studyInstanceUid: Type.String(),
  linkedBy: PersonRef,
  linkedAt: IsoDateTime,
  /** The study as the caller sees it (its id opens the viewer); null when they may not view it or it is gone. */
  study: Type.Union([StudySummary, Type.Null()]),
});
export type StudyLink = Static<typeof StudyLink>;

export const ConsultationDetail = Type.Composite([
  ConsultationSummary,
  Type.Object({
    historySummary: Type.String(),
    declineReason: Type.Union([Type.String(), Type.Null()]),
    returnReason: Type.Union([Type.String(), Type.Null()]),
    transitions: Type.Array(Transition),
    attachments: Type.Array(Attachment),
    studies: Type.Array(StudyLink),
    /** States this user may move the request to now (buttons). */
    allowedTransitions: Type.Array(ConsultationStateSchema),
    /** How this user stands to the case and what that lets them do. */
    access: CaseAccess,
    /** The requesting hospital consented to teaching use (rounds outside the care team). */
    sharedForTeaching: Type.Boolean(),
  }),
]);
export type ConsultationDetail = Static<typeof ConsultationDetail>;

export const ConsultationCreate = Type.Object(
  {
    patientId: Uuid,
    caseId: Uuid,
    type: ConsultationTypeSchema,
    urgency: UrgencySchema,
    clinicalQuestion: Text(4000),
    historySummary: Type.Optional(Type.String({ maxLength: 16000 })),
    targetHospitalId: Uuid,
    targetDepartmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    /** Submit at once (default) or keep as a draft. */
    submit: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ConsultationCreate = Static<typeof ConsultationCreate>;

/** County edits (draft or returned_for_information only). */
export const ConsultationUpdate = Type.Object(
  {
    type: Type.Optional(ConsultationTypeSchema),
    urgency: Type.Optional(UrgencySchema),
    clinicalQuestion: Type.Optional(Text(4000)),
    historySummary: Type.Optional(Type.String({ maxLength: 16000 })),
    targetDepartmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  },
  { additionalProperties: false },
);
export type ConsultationUpdate = Static<typeof ConsultationUpdate>;

export const TransitionBody = Type.Object(
  {
    to: ConsultationStateSchema,
    /** Required for declined and returned_for_information. */
    reason: Type.Optional(Text(2000)),
    /** Required for triaged: the specialist or radiologist of the target hospital to assign. */
    assigneeId: Type.Optional(Uuid),
    /** For triaged: the triager stays on the care team after handing the case to a colleague (else loses it). */
    keepOnTeam: Type.Optional(Type.Boolean()),
    /** Version the client saw; a mismatch answers 409 (optional). */
    version: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type TransitionBody = Static<typeof TransitionBody>;

export const ConsultationQuery = Type.Object({
  /** mine: requests of my hospital (county) / assigned to me (tertiary); queue: waiting at my hospital. */
  view: Type.Optional(Type.Union([Type.Literal('mine'), Type.Literal('queue'), Type.Literal('all')])),
  state: Type.Optional(ConsultationStateSchema),
  urgency: Type.Optional(UrgencySchema),
  patientId: Type.Optional(Uuid),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  /** Opaque keyset cursor: the `nextCursor` of the previous page (same view). `offset` is refused (400). */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type ConsultationQuery = Static<typeof ConsultationQuery>;

/** Counts stop here: `total` is exact below it, otherwise `totalCapped` and `total` = this cap. */
export const CONSULTATION_COUNT_CAP = 1000;

export const ConsultationPage = Type.Object({
  items: Type.Array(ConsultationSummary),
  /** Visible requests matching the filters, counted up to CONSULTATION_COUNT_CAP (then `totalCapped`). */
  total: Type.Integer({ minimum: 0 }),
  totalCapped: Type.Boolean(),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ConsultationPage = Static<typeof ConsultationPage>;

export const MessageCreate = Type.Object(
  { body: Text(8000), attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: 10 })) },
  { additionalProperties: false },
);
export type MessageCreate = Static<typeof MessageCreate>;

export const StudyLinkBody = Type.Object(
  { studyInstanceUid: Type.String({ pattern: STUDY_UID_PATTERN, maxLength: 64 }) },
  { additionalProperties: false },
);
export type StudyLinkBody = Static<typeof StudyLinkBody>;
export const StudyParams = Type.Object({
  id: Uuid,
  uid: Type.String({ pattern: STUDY_UID_PATTERN, maxLength: 64 }),
});
export type StudyParams = Static<typeof StudyParams>;
export const AttachmentParams = Type.Object({ id: Uuid, attachmentId: Uuid });
export type AttachmentParams = Static<typeof AttachmentParams>;
export const AttachmentQuery = Type.Object({ fileName: Type.String({ minLength: 1, maxLength: 200 }) });

/** The clinicians of a tertiary hospital a request can be assigned to. */
export const Assignable = Type.Object({
  id: Uuid,
  displayName: Type.String(),
  role: RoleSchema,
  departmentId: Type.Union([Uuid, Type.Null()]),
});
export type Assignable = Static<typeof Assignable>;

export const SlaConfig = Type.Object({
  emergency: Type.Number(),
  urgent: Type.Number(),
  routine: Type.Number(),
});
export type SlaConfig = Static<typeof SlaConfig>;
