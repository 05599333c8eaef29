/**
 * Whether a signer certificate is trusted at a moment: it chains (through the certificates given) to a trust anchor
 * (the internal CA roots or SIGNER_TRUST_ANCHORS), every certificate on the way is valid at that moment, and the
 * leaf may sign (not a CA). Revocation is the signer registry's (service.ts), not checked here.
 */
import crypto from 'node:crypto';
import { issuedBy } from './x509';
import { internalRoots } from './ca';
import type { SignerConfig } from './config';
import type { Executor } from '../db/database';
import type { KeySource } from '../secrets/deployment-keys';

export const trustAnchors = async (
  db: Executor,
  src: KeySource,
  cfg: SignerConfig,
): Promise<crypto.X509Certificate[]> => [
  ...(await internalRoots(db, src)),
  ...cfg.trustAnchorsPem.map((p) => new crypto.X509Certificate(p)),
];

const MAX_DEPTH = 6;

/** The path from the leaf's issuer up to (and including) a trust anchor, or null when none is found. */
export function chainToAnchor(
  leaf: crypto.X509Certificate,
  pool: crypto.X509Certificate[],
  anchors: crypto.X509Certificate[],
): crypto.X509Certificate[] | null {
  const path: crypto.X509Certificate[] = [];
  let cur = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const anchor = anchors.find((a) => issuedBy(cur, a));
    if (anchor) return [...path, anchor];
    const next = pool.find((p) => p.ca && p.fingerprint256 !== cur.fingerprint256 && issuedBy(cur, p));
    if (!next) return null;
    path.push(next);
    cur = next;
  }
  return null;
}

export const validAt = (c: crypto.X509Certificate, at: Date) =>
  at.getTime() >= new Date(c.validFrom).getTime() && at.getTime() <= new Date(c.validTo).getTime();

export interface TrustCheck {
  check: 'certificate' | 'chain' | 'expiry';
  ok: boolean;
  detail: string | null;
}

/** The checks of a certificate (PEM) with its stored chain at `at`; each names what failed. */
export function checkCertificate(
  certPem: string,
  chainPem: string[],
  anchors: crypto.X509Certificate[],
  at: Date,
): TrustCheck[] {
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(certPem);
  } catch {
    return [{ check: 'certificate', ok: false, detail: 'the signer certificate cannot be read' }];
  }
  const checks: TrustCheck[] = [
    leaf.ca
      ? { check: 'certificate', ok: false, detail: 'the signer certificate is a CA certificate' }
      : { check: 'certificate', ok: true, detail: null },
  ];
  const chain = chainToAnchor(
    leaf,
    chainPem.map((p) => new crypto.X509Certificate(p)),
    anchors,
  );
  checks.push(
    chain
      ? { check: 'chain', ok: true, detail: chain.at(-1)!.subject.replace(/\n/g, ', ') }
      : {
          check: 'chain',
          ok: false,
          detail: 'the certificate is not issued by a CA this deployment trusts',
        },
  );
  const expired = [leaf, ...(chain ?? [])].find((c) => !validAt(c, at));
  checks.push(
    expired
      ? {
          check: 'expiry',
          ok: false,
          detail: `at ${at.toISOString()} the certificate ${expired.subject.replace(/\n/g, ', ')} was not valid (${new Date(expired.validFrom).toISOString()} – ${new Date(expired.validTo).toISOString()})`,
        }
      : { check: 'expiry', ok: true, detail: null },
  );
  return checks;
}
