import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Text, Uuid } from './common';

/** Ward round (a case-by-case round over video) or teaching round (lecture-like, often recorded). */
export const ROUND_KINDS = ['ward_round', 'teaching'] as const;
export type RoundKind = (typeof ROUND_KINDS)[number];
export const RoundKindSchema = Type.Union(ROUND_KINDS.map((k) => Type.Literal(k)));

export const ROUND_STATUSES = ['scheduled', 'live', 'ended'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];
export const RoundStatusSchema = Type.Union(ROUND_STATUSES.map((k) => Type.Literal(k)));

/** A person as shown on a round: name and hospital (tiles, invitee list). */
export const RoundPerson = Type.Object({
  userId: Uuid,
  displayName: Type.String(),
  role: Type.String(),
  hospitalId: Type.Union([Uuid, Type.Null()]),
  hospitalNameZh: Type.Union([Type.String(), Type.Null()]),
  hospitalNameEn: Type.Union([Type.String(), Type.Null()]),
});
export type RoundPerson = Static<typeof RoundPerson>;

/** One case (or topic) to present. `consultationId` links the consultation case being presented. */
export const AgendaItem = Type.Object({
  id: Uuid,
  position: Type.Integer({ minimum: 0 }),
  title: Type.String(),
  consultationId: Type.Union([Uuid, Type.Null()]),
  presenterId: Type.Union([Uuid, Type.Null()]),
  /**
   * The item presents a case this participant may not read (not on its care team): its title and case are
   * withheld (title '' and consultationId null). Rounds present cases, they don't grant them.
   */
  withheld: Type.Boolean(),
});
export type AgendaItem = Static<typeof AgendaItem>;

export const AgendaItemInput = Type.Object(
  {
    title: Text(200),
    consultationId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    presenterId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  },
  { additionalProperties: false },
);
export type AgendaItemInput = Static<typeof AgendaItemInput>;

export const RECORDING_STATUSES = ['recording', 'ready', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const Recording = Type.Object({
  id: Uuid,
  roundId: Uuid,
  status: Type.Union(RECORDING_STATUSES.map((s) => Type.Literal(s))),
  startedAt: IsoDateTime,
  endedAt: Type.Union([IsoDateTime, Type.Null()]),
  sizeBytes: Type.Integer({ minimum: 0 }),
  mimeType: Type.String(),
  startedBy: Uuid,
});
export type Recording = Static<typeof Recording>;

export const RoundSummary = Type.Object({
  id: Uuid,
  title: Type.String(),
  kind: RoundKindSchema,
  status: RoundStatusSchema,
  scheduledAt: IsoDateTime,
  durationMinutes: Type.Integer({ minimum: 5 }),
  host: RoundPerson,
  inviteeCount: Type.Integer({ minimum: 0 }),
  agendaCount: Type.Integer({ minimum: 0 }),
});
export type RoundSummary = Static<typeof RoundSummary>;

export const RoundDetail = Type.Object({
  id: Uuid,
  title: Type.String(),
  kind: RoundKindSchema,
  status: RoundStatusSchema,
  scheduledAt: IsoDateTime,
  durationMinutes: Type.Integer({ minimum: 5 }),
  host: RoundPerson,
  invitees: Type.Array(RoundPerson),
  agenda: Type.Array(AgendaItem),
  currentAgendaItemId: Type.Union([Uuid, Type.Null()]),
  recordings: Type.Array(Recording),
  startedAt: Type.Union([IsoDateTime, Type.Null()]),
  endedAt: Type.Union([IsoDateTime, Type.Null()]),
  /** What the caller may do (the server enforces the same rules). */
  canEdit: Type.Boolean(),
  canJoin: Type.Boolean(),
  canRecord: Type.Boolean(),
});
export type RoundDetail = Static<typeof RoundDetail>;

export const RoundCreate = Type.Object(
  {
    title: Text(200),
    kind: RoundKindSchema,
    scheduledAt: IsoDateTime,
    durationMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 600, default: 60 })),
    inviteeIds: Type.Array(Uuid, { maxItems: 200, uniqueItems: true }),
    agenda: Type.Array(AgendaItemInput, { maxItems: 50 }),
    /**
     * Scheduled from this case (one of the agenda's): in the same transaction its request moves accepted →
     * scheduled when it is accepted (refused as a whole when the organiser may not take that transition).
     */
    scheduleCase: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type RoundCreate = Static<typeof RoundCreate>;

export const RoundUpdate = Type.Object(
  {
    title: Type.Optional(Text(200)),
    kind: Type.Optional(RoundKindSchema),
    scheduledAt: Type.Optional(IsoDateTime),
    durationMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 600 })),
    inviteeIds: Type.Optional(Type.Array(Uuid, { maxItems: 200, uniqueItems: true })),
    agenda: Type.Optional(Type.Array(AgendaItemInput, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type RoundUpdate = Static<typeof RoundUpdate>;

export const RoundQuery = Type.Object({
  status: Type.Optional(RoundStatusSchema),
});
export type RoundQuery = Static<typeof RoundQuery>;

export const RecordingParams = Type.Object({ id: Uuid, recordingId: Uuid });
export type RecordingParams = Static<typeof RecordingParams>;

export const ChatMessage = Type.Object({
  id: Uuid,
  roundId: Uuid,
  userId: Uuid,
  displayName: Type.String(),
  text: Type.String(),
  at: IsoDateTime,
});
export type ChatMessage = Static<typeof ChatMessage>;

/** A case the organiser may put on an agenda (on its care team, not a draft), as the agenda picker lists it. */
export const PresentableCase = Type.Object({
  consultationId: Uuid,
  patientName: Type.String(),
  /** The clinical question, shortened. */
  question: Type.String(),
  state: Type.String(),
  requestingHospitalNameZh: Type.String(),
  requestingHospitalNameEn: Type.String(),
  updatedAt: IsoDateTime,
  /** The agenda item's (and a one-case round's) title: patient · question. */
  title: Type.String(),
});
export type PresentableCase = Static<typeof PresentableCase>;

export const PresentableQuery = Type.Object({
  /** Part of the patient's name or the question. */
  q: Type.Optional(Type.String({ maxLength: 100 })),
});
export type PresentableQuery = Static<typeof PresentableQuery>;

/** "Schedule a round" from a case: the form's starting values, which the organiser adjusts. */
export const RoundDraft = Type.Object({
  title: Type.String(),
  kind: RoundKindSchema,
  durationMinutes: Type.Integer({ minimum: 5 }),
  case: PresentableCase,
  /** The case's care team (as the access policy derives it) who may be invited, the organiser left out. */
  invitees: Type.Array(RoundPerson),
  /** Whether creating the round also moves the request accepted → scheduled (the organiser may take it). */
  schedulesCase: Type.Boolean(),
});
export type RoundDraft = Static<typeof RoundDraft>;

export const RoundDraftQuery = Type.Object({ consultationId: Uuid });
export type RoundDraftQuery = Static<typeof RoundDraftQuery>;
