/**
 * The access policy, as every capability asks it: "may this actor do this action on this case / study / patient".
 * Rules: shared/src/access.ts (relation × action); relations from current data: ./relation-queries.ts. Nothing here
 * caches: a removal from the team, the end of a round or a consent withdrawn applies to the very next question.
 *
 * Answers: a case the actor has no relation to reads as absent (404, existence not leaked); a case they stand to
 * but whose action their relations do not grant is 403 naming the action.
 */
import { allows, grantedActions, type CaseAccess, type CaseAction, type CaseRelation } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { DomainError, notFound } from '../errors';
import { standing, type CaseStanding } from './queries';

// The policy's questions in SQL (./queries.ts) and its WHERE expressions (./relation-queries.ts), for the capabilities.
export {
  canViewStudyAt,
  caseAudience,
  permittedCases,
  relationsOf,
  standing,
  standingColumns,
  usersWithRelation,
  type CaseFacts,
  type CaseSnapshot,
  type CaseStanding,
} from './queries';
export {
  visibleCaseBranches,
  visibleCases,
  visiblePatients,
  visibleReports,
  visibleStudies,
} from './relation-queries';

const ACTION_WORDS: Record<CaseAction, string> = {
  'case:read': 'read this case',
  'case:message': 'write in this case',
  'case:view-images': "view this case's images",
  'case:annotate': "annotate this case's images",
  'case:link-images': 'link images to this case',
  'case:read-report': "read this case's report",
  'case:read-draft': "read this case's report draft",
  'case:manage-team': "change this case's care team",
  'case:present': 'present this case in a round',
  'case:share-teaching': 'share this case for teaching',
};

/**
 * The case, when the actor may do `action` on it; otherwise 404 (no relation that lets them read it) or 403
 * (they are on the case but their part in it does not include `action`).
 */
export async function assertCase(
  db: Executor,
  actor: Actor,
  consultationId: string,
  action: CaseAction,
): Promise<CaseStanding> {
  const s = await standing(db, actor, consultationId);
  if (!s || !(allows(s.relations, 'case:read') || allows(s.relations, action)))
    throw notFound('consultation');
  if (!allows(s.relations, action)) {
    throw new DomainError(
      'forbidden',
      `your part in this case (${s.relations.join(', ')}) does not let you ${ACTION_WORDS[action]}`,
    );
  }
  return s;
}

export function caseAccess(relations: CaseRelation[]): CaseAccess {
  return { relations, actions: grantedActions(relations) };
}
