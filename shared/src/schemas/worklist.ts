import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { IsoDate, IsoDateTime, Uuid } from './common';
import { ConsultationStateSchema, ConsultationTypeSchema, UrgencySchema } from './consultations';
import { TEAM_PURPOSES } from '../access';

/**
 * Home as a worklist (GET /api/worklist): what needs the signed-in user, per role. Clinicians see rows of the
 * patients the access policy lets them read; administrators see aggregates only (no patient ever).
 */

/**
 * A section: its first rows (at most WORKLIST_SECTION_LIMIT) and how many there are in all, counted up to
 * CONSULTATION_COUNT_CAP (`totalCapped`: there are more than `total`).
 */
const Section = <T extends TSchema>(item: T) =>
  Type.Object({
    total: Type.Integer({ minimum: 0 }),
    totalCapped: Type.Optional(Type.Boolean()),
    items: Type.Array(item),
  });
export const WORKLIST_SECTION_LIMIT = 50;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A consultation case as a worklist row (links to /consultations/:id). */
export const WorklistCase = Type.Object({
  consultationId: Uuid,
  patientName: Type.String(),
  povertyRegistered: Type.Boolean(),
  diagnosis: Type.String(),
  type: ConsultationTypeSchema,
  urgency: UrgencySchema,
  state: ConsultationStateSchema,
  /** The other side: the target hospital for the county, the requesting one for the consulting side. */
  counterpartZh: Type.String(),
  counterpartEn: Type.String(),
  updatedAt: IsoDateTime,
  /** When the response is due (the SLA clock runs while the request waits in the queue). */
  slaDueAt: Nullable(IsoDateTime),
  /** The due time has passed while the clock still runs. */
  slaBreached: Type.Boolean(),
  returnReason: Nullable(Type.String()),
  assigneeName: Nullable(Type.String()),
  /** How the user is on the case beyond its assignee: an added team member's purpose. */
  teamPurpose: Nullable(Type.Union(TEAM_PURPOSES.map((p) => Type.Literal(p)))),
  studyCount: Type.Integer({ minimum: 0 }),
});
export type WorklistCase = Static<typeof WorklistCase>;

/** A signed report waiting for the county's acknowledgement (links to /reports/:id). */
export const WorklistReport = Type.Object({
  reportId: Uuid,
  consultationId: Uuid,
  reportNumber: Nullable(Type.String()),
  patientName: Type.String(),
  povertyRegistered: Type.Boolean(),
  authorName: Type.String(),
  signedAt: IsoDateTime,
});
export type WorklistReport = Static<typeof WorklistReport>;

/** An overdue follow-up of a poverty-registered or chronic patient (links to /patients/:id). */
export const WorklistFollowUp = Type.Object({
  patientId: Uuid,
  patientName: Type.String(),
  povertyRegistered: Type.Boolean(),
  chronic: Type.Boolean(),
  diagnosis: Type.String(),
  dueDate: IsoDate,
  daysOverdue: Type.Integer({ minimum: 0 }),
});
export type WorklistFollowUp = Static<typeof WorklistFollowUp>;

/** A round of today the user hosts or is invited to (links to /rounds/:id). */
export const WorklistRound = Type.Object({
  roundId: Uuid,
  title: Type.String(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')]),
  scheduledAt: IsoDateTime,
  hosting: Type.Boolean(),
  agendaCount: Type.Integer({ minimum: 0 }),
});
export type WorklistRound = Static<typeof WorklistRound>;

/** Requests whose response is overdue, per target hospital (aggregate). */
export const WorklistSlaBreaches = Type.Object({
  hospitalId: Uuid,
  nameZh: Type.String(),
  nameEn: Type.String(),
  count: Type.Integer({ minimum: 1 }),
});
export type WorklistSlaBreaches = Static<typeof WorklistSlaBreaches>;

/** An active pairing without a request in the last WORKLIST_IDLE_DAYS days (aggregate). */
export const WorklistIdlePairing = Type.Object({
  pairingId: Uuid,
  programName: Type.String(),
  tertiaryZh: Type.String(),
  tertiaryEn: Type.String(),
  countyZh: Type.String(),
  countyEn: Type.String(),
  lastActivityAt: Nullable(IsoDateTime),
});
export type WorklistIdlePairing = Static<typeof WorklistIdlePairing>;
export const WORKLIST_IDLE_DAYS = 30;

export const CountyWorklist = Type.Object({
  role: Type.Literal('county_doctor'),
  drafts: Section(WorklistCase),
  returned: Section(WorklistCase),
  toAcknowledge: Section(WorklistReport),
  overdueFollowUps: Section(WorklistFollowUp),
});
export const SpecialistWorklist = Type.Object({
  role: Type.Literal('specialist'),
  triage: Section(WorklistCase),
  mine: Section(WorklistCase),
  roundsToday: Section(WorklistRound),
});
export const RadiologistWorklist = Type.Object({
  role: Type.Literal('radiologist'),
  readings: Section(WorklistCase),
});
export const AdminWorklist = Type.Object({
  role: Type.Union([Type.Literal('program_admin'), Type.Literal('sys_admin')]),
  slaBreaches: Section(WorklistSlaBreaches),
  idlePairings: Section(WorklistIdlePairing),
  disabledUsers: Type.Integer({ minimum: 0 }),
});

export const Worklist = Type.Union([CountyWorklist, SpecialistWorklist, RadiologistWorklist, AdminWorklist]);
export type Worklist = Static<typeof Worklist>;
export type CountyWorklist = Static<typeof CountyWorklist>;
export type SpecialistWorklist = Static<typeof SpecialistWorklist>;
export type RadiologistWorklist = Static<typeof RadiologistWorklist>;
export type AdminWorklist = Static<typeof AdminWorklist>;
