import type { Role } from './roles';

/**
 * THE access policy of patient data, as data (Medplum's AccessPolicy is the model; ours is smaller).
 *
 * Patient data hangs off a consultation case. How a user stands to a case is one or more *relations*; what they
 * may do with it is the union of the actions those relations grant. The server derives the relations from current
 * data at every request and socket event (server/src/access); the client only uses the answer to hide controls.
 *
 * | relation   | who                                                                                     |
 * |------------|-----------------------------------------------------------------------------------------|
 * | owner      | clinicians of the requesting (county) hospital — the patient's own doctors              |
 * | triage     | the target hospital's specialists/radiologists while the request waits in its queue     |
 * | consultant | the clinician the request is assigned to                                                |
 * | member     | a colleague the consultant added to the care team (a radiologist, a second specialist)  |
 * | teaching   | a participant of a LIVE round whose agenda has the case, when the requesting hospital   |
 * |            | consented to teaching use (shared_for_teaching); ends with the round or the agenda item |
 *
 * Patient files and studies not tied to a case belong to a hospital: its clinicians see them (`hospital`).
 * Program and system administrators never see patient data (aggregates and the network only).
 */
export const CASE_RELATIONS = ['owner', 'triage', 'consultant', 'member', 'teaching'] as const;
export type CaseRelation = (typeof CASE_RELATIONS)[number];

export const CaseAction = {
  /** The request, its patient file (read-only for the tertiary side), thread and attachments. */
  Read: 'case:read',
  /** Post in the thread, upload attachments. */
  Message: 'case:message',
  /** Images of the studies linked to the case (QIDO, WADO-RS/URI, rendered, metadata, bulk data, SR read). */
  ViewImages: 'case:view-images',
  /** Link the patient's studies to the case (and unlink them). */
  LinkImages: 'case:link-images',
  /** Measurements, marks and DICOM SR into the case's studies. */
  Annotate: 'case:annotate',
  /** Signed report versions, PDF and FHIR. */
  ReadReport: 'case:read-report',
  /** Report drafts and amendments in progress (the consulting side). */
  ReadDraft: 'case:read-draft',
  /** Add and remove care-team members. */
  ManageTeam: 'case:manage-team',
  /** Put the case on a ward-round agenda. */
  Present: 'case:present',
  /** Consent (or withdraw it) to show the case in teaching rounds outside the care team. */
  ShareForTeaching: 'case:share-teaching',
} as const;
export type CaseAction = (typeof CaseAction)[keyof typeof CaseAction];

const A = CaseAction;
/** relation × action: the one table every route, DICOMweb resource and socket event is decided by. */
export const RELATION_GRANTS: Record<CaseRelation, readonly CaseAction[]> = {
  owner: [
    A.Read,
    A.Message,
    A.ViewImages,
    A.LinkImages,
    A.Annotate,
    A.ReadReport,
    A.Present,
    A.ShareForTeaching,
  ],
  triage: [A.Read, A.Message, A.ViewImages],
  consultant: [
    A.Read,
    A.Message,
    A.ViewImages,
    A.LinkImages,
    A.Annotate,
    A.ReadReport,
    A.ReadDraft,
    A.ManageTeam,
    A.Present,
  ],
  member: [A.Read, A.Message, A.ViewImages, A.LinkImages, A.Annotate, A.ReadReport, A.ReadDraft, A.Present],
  teaching: [A.ViewImages],
};

/** Relations that grant `action`. */
export function relationsGranting(action: CaseAction): CaseRelation[] {
  return CASE_RELATIONS.filter((r) => RELATION_GRANTS[r].includes(action));
}

/** Does any of these relations grant `action`? */
export function allows(relations: readonly CaseRelation[], action: CaseAction): boolean {
  return relations.some((r) => RELATION_GRANTS[r].includes(action));
}

/** Every action the relations grant (the client hides the controls of the others). */
export function grantedActions(relations: readonly CaseRelation[]): CaseAction[] {
  return Object.values(CaseAction).filter((a) => allows(relations, a));
}

/**
 * Which relations take which side of a consultation's transitions (the role half is the state machine's):
 * the requester side is the patient's hospital; triage is the queue; the consultant side is the queue while the
 * request waits (a colleague may take it over) and the assignee once accepted.
 */
export const TRANSITION_SIDE_RELATIONS: Record<
  'requester' | 'triage' | 'consultant',
  readonly CaseRelation[]
> = {
  requester: ['owner'],
  triage: ['triage'],
  consultant: ['triage', 'consultant'],
};

/** Roles that hold a seat in a target hospital's triage queue (they triage or accept from it). */
export const QUEUE_ROLES: readonly Role[] = ['specialist', 'radiologist'];
/** Roles that may be added to a care team (the consulting side's clinicians). */
export const TEAM_MEMBER_ROLES: readonly Role[] = ['specialist', 'radiologist'];

/** Why a colleague is on the team; shown on the case. */
export const TEAM_PURPOSES = ['imaging', 'second_opinion', 'triage'] as const;
export type TeamPurpose = (typeof TEAM_PURPOSES)[number];
