import { Type, type Static } from '@sinclair/typebox';
import { CASE_RELATIONS, CaseAction, TEAM_PURPOSES } from '../access';
import { IsoDateTime, Uuid } from './common';
import { RoleSchema } from './auth';

export const CaseRelationSchema = Type.Union(CASE_RELATIONS.map((r) => Type.Literal(r)));
export const CaseActionSchema = Type.Union(Object.values(CaseAction).map((a) => Type.Literal(a)));
export const TeamPurposeSchema = Type.Union(TEAM_PURPOSES.map((p) => Type.Literal(p)));

/** How the signed-in user stands to a case and what that lets them do (the client hides the rest). */
export const CaseAccess = Type.Object({
  relations: Type.Array(CaseRelationSchema),
  actions: Type.Array(CaseActionSchema),
});
export type CaseAccess = Static<typeof CaseAccess>;

export const CareTeamMember = Type.Object({
  userId: Uuid,
  displayName: Type.String(),
  role: RoleSchema,
  hospitalId: Type.Union([Uuid, Type.Null()]),
  /** How they are on the team: the requester, the assigned consultant, or an added colleague (with purpose). */
  standing: Type.Union([Type.Literal('requester'), Type.Literal('consultant'), Type.Literal('member')]),
  purpose: Type.Union([TeamPurposeSchema, Type.Null()]),
  addedBy: Type.Union([Type.String(), Type.Null()]),
  addedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type CareTeamMember = Static<typeof CareTeamMember>;

export const CareTeam = Type.Object({
  consultationId: Uuid,
  members: Type.Array(CareTeamMember),
  /** The requesting hospital consented to show this case in teaching rounds outside the care team. */
  sharedForTeaching: Type.Boolean(),
  access: CaseAccess,
});
export type CareTeam = Static<typeof CareTeam>;

export const CareTeamAdd = Type.Object(
  { userId: Uuid, purpose: TeamPurposeSchema },
  { additionalProperties: false },
);
export type CareTeamAdd = Static<typeof CareTeamAdd>;

export const CareTeamMemberParams = Type.Object({ id: Uuid, userId: Uuid });
export type CareTeamMemberParams = Static<typeof CareTeamMemberParams>;

export const TeachingShareBody = Type.Object({ shared: Type.Boolean() }, { additionalProperties: false });
export type TeachingShareBody = Static<typeof TeachingShareBody>;

/** Colleagues who can be added to the team (the consulting hospital's active specialists and radiologists). */
export const CareTeamCandidate = Type.Object({
  userId: Uuid,
  displayName: Type.String(),
  role: RoleSchema,
});
export type CareTeamCandidate = Static<typeof CareTeamCandidate>;
