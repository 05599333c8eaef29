import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { verifyPassword } from '../auth/password';
import { badRequest, conflict } from '../errors';
import { hasActiveKey, unlockSigner } from '../signers/service';
import { deploymentSigner, type PayloadSigner } from './payload';
import type { ReportsCtx } from './service';

/**
 * The key a signature is made with: the author's own key, opened with the signing PIN; or, for authors without one
 * while SIGNER_KEY_REQUIRED is false, the deployment key after the account password.
 */
export async function signerFor(
  ctx: ReportsCtx,
  actor: Actor,
  id: string,
  body: { pin?: string; password?: string },
  user: { password_hash: string },
): Promise<PayloadSigner> {
  if (await hasActiveKey(ctx.db, actor.id)) {
    if (!body.pin) throw badRequest('enter your signing PIN to sign the report', '/body/pin');
    const s = await unlockSigner({ db: ctx.db, config: ctx.config, actor }, actor.id, body.pin);
    return {
      algorithm: s.algorithm,
      privateKey: s.privateKey,
      fingerprint: s.fingerprint,
      certificatePem: s.certificatePem,
      chainPem: s.chainPem,
      keyId: s.keyId,
    };
  }
  if (ctx.config.signers.keyRequired)
    throw conflict('you have no signing key; enrol one (Security → Signing key) before signing');
  if (!body.password || !(await verifyPassword(user.password_hash, body.password))) {
    await recordAudit(ctx.db, {
      actor,
      action: 'report.sign',
      entityType: 'report',
      entityId: id,
      outcome: 'denied',
      ip: actor.ip,
      detail: { why: 'password' },
    });
    throw badRequest('the password is not correct; the report was not signed', '/body/password');
  }
  return deploymentSigner(ctx.key);
}
