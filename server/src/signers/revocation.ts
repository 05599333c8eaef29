/**
 * Revoking signing keys — by their owner (Security → Signing key) or by a users' administrator (a doctor who left,
 * or lost the device or PIN and cannot be reached) — and the internal CA's CRL listing what was revoked.
 *
 * An administrator reaches the keys of the users they administer: the reach of users administration
 * (network/service.ts scopeFor; the program and system administrators administer the whole network). A key outside
 * it reads as absent (404), like one that does not exist. Revocation is audited as `signer.revoke` (actor: who
 * revoked; detail: the reason, its CRL code, whose key, and whether the owner or an administrator revoked it).
 * Verification honours it (trust.ts): signatures made before stay valid, later ones are refused.
 */
import crypto from 'node:crypto';
import type { AdminSignerKey, RevocationReasonCode, SignerKey } from '@consult/shared';
import type { Actor } from '../auth/actor';
import type { Executor } from '../db/database';
import { recordAudit } from '../audit/service';
import { conflict, notFound } from '../errors';
import { scopeFor } from '../network/service';
import { loadOrCreateInternalCa, readInternalCa } from './ca';
import { buildCrl } from './crl';
import * as q from './queries';
import { keySource, toSignerKey, type SignersCtx } from './service';
import type { SignerKeyRow } from './tables';
import { issuedBy, type SignerAlgorithm } from './x509';

export interface RevokeBody {
  reason: string;
  reasonCode?: RevocationReasonCode | undefined;
}

async function revokeRow(
  ctx: SignersCtx,
  actor: Actor,
  find: (trx: Executor) => Promise<SignerKeyRow | undefined>,
  body: RevokeBody,
  by: 'owner' | 'administrator',
): Promise<SignerKey> {
  const reason = body.reason.trim();
  const code = body.reasonCode ?? null;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await find(trx);
    if (!row) throw notFound('signing key');
    const done = await q.revokeKey(trx, row.id, actor.id, reason, code, new Date());
    if (!done) throw conflict('the signing key was already revoked');
    await recordAudit(trx, {
      actor,
      action: 'signer.revoke',
      entityType: 'signer_key',
      entityId: row.id,
      ip: actor.ip,
      detail: {
        by,
        owner: row.user_id,
        fingerprint: row.fingerprint,
        subject: row.subject,
        reason,
        reasonCode: code,
      },
    });
    return toSignerKey(done);
  });
}

/** The owner revokes their own key; anyone else's key reads as absent. */
export function revokeOwn(ctx: SignersCtx, actor: Actor, id: string, body: RevokeBody): Promise<SignerKey> {
  return revokeRow(
    ctx,
    actor,
    async (db) => {
      const row = await q.keyById(db, id);
      return row && row.user_id === actor.id ? row : undefined;
    },
    body,
    'owner',
  );
}

/** Which users' keys an administrator reaches: those of the users they administer. */
async function reachOf(ctx: SignersCtx, actor: Actor): Promise<q.UserReach> {
  return { hospitals: (await scopeFor(ctx.db, actor)).visible };
}

/** A users' administrator revokes a signer's key (404 outside their reach, 409 when already revoked). */
export async function revokeAsAdmin(
  ctx: SignersCtx,
  actor: Actor,
  id: string,
  body: RevokeBody,
): Promise<SignerKey> {
  const reach = await reachOf(ctx, actor);
  return revokeRow(ctx, actor, (db) => q.keyInReach(db, id, reach), body, 'administrator');
}

/** The active signing keys of the users an administrator reaches (for the users page). */
export async function activeKeysForAdmin(ctx: SignersCtx, actor: Actor): Promise<AdminSignerKey[]> {
  const rows = await q.activeKeysInReach(ctx.db, await reachOf(ctx, actor));
  return rows.map((r) => ({ ...toSignerKey(r), userId: r.user_id }));
}

/**
 * The internal CA's CRL (DER) for `algorithm` (default: the deployment's SIGNATURE_ALGORITHM, whose CA is created
 * when absent; another algorithm's CA must exist, else 404). Lists the revoked certificates that CA issued.
 */
export async function internalCrl(ctx: SignersCtx, algorithm?: SignerAlgorithm): Promise<Buffer> {
  const a = algorithm ?? ctx.config.signers.algorithm;
  const src = keySource(ctx.config);
  const ca =
    a === ctx.config.signers.algorithm
      ? await loadOrCreateInternalCa(ctx.db, src, a)
      : await readInternalCa(ctx.db, src, a);
  if (!ca) throw notFound(`internal signer CA (${a})`);
  const revoked = (await q.revokedInternalKeys(ctx.db, a)).filter((r) =>
    issuedBy(new crypto.X509Certificate(r.certificate_pem), ca.certificate),
  );
  return buildCrl({
    algorithm: a,
    issuer: ca.certificate,
    issuerKey: ca.privateKey,
    entries: revoked.map((r) => ({
      certificatePem: r.certificate_pem,
      revokedAt: r.revoked_at!,
      code: r.revocation_code as RevocationReasonCode | null,
    })),
    number: await q.nextCrlNumber(ctx.db),
    thisUpdate: new Date(),
  });
}
