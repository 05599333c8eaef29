/** The teaching-round consent of a case: the requesting hospital's to give and to withdraw. */
import type { ConsultationDetail } from '@consult/shared';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { userRoom } from '../realtime/plugin';
import { assertCase, caseAudience } from '../access/policy';
import * as q from './queries';
import { getConsultation, type ConsultationCtx } from './service';

/**
 * The requesting hospital's consent (or its withdrawal) to show the case in teaching rounds to doctors outside
 * its care team — read-only, only while such a round is live. Withdrawal applies to the very next request.
 */
export async function setTeachingShare(
  ctx: ConsultationCtx,
  actor: Actor,
  id: string,
  shared: boolean,
): Promise<ConsultationDetail> {
  await assertCase(ctx.db, actor, id, 'case:share-teaching');
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const r = await q.setSharedForTeaching(trx, id, shared);
    if (!Number(r.numUpdatedRows)) return false;
    const audit = { actor, entityType: 'consultation', entityId: id, ip: actor.ip };
    await recordAudit(
      trx,
      shared
        ? { ...audit, action: 'consultation.teaching_share' }
        : { ...audit, action: 'consultation.teaching_unshare' },
    );
    return true;
  });
  if (changed) {
    const audience = await caseAudience(ctx.db, id);
    if (audience.length)
      ctx.io.to(audience.map(userRoom)).emit('entity:changed', { entityType: 'consultation', entityId: id });
  }
  return getConsultation(ctx.db, actor, id, false);
}
