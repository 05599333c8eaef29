import type { CaseAction } from '@consult/shared';
import type { Actor } from '../auth/actor';
import { visibleStudies } from '../access/policy';

/**
 * Imaging asks the one access policy (server/src/access): QIDO, WADO-RS, WADO-URI, rendered, metadata, frames,
 * annotations and SR all filter `imaging_studies` through this. Viewing is granted to the study's hospital's
 * clinicians, the care team of a case the study is linked to, and — read-only, while a round is live — its
 * teaching audience; writing marks and SR (`case:annotate`) never to the teaching audience. Everything else 404.
 */
export function visibleStudy(actor: Actor, action: CaseAction = 'case:view-images') {
  return visibleStudies(actor, action);
}
