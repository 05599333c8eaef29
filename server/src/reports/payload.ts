/**
 * The signed payload of a report version. What is stored in report_versions.payload is exactly the canonical JSON
 * that was signed; everything shown for a signed version is read back from it, so a changed byte shows up in
 * verification and nothing unsigned is displayed as signed.
 */
import crypto from 'node:crypto';
import type { ReportContent } from '@consult/shared';
import { canonicalJson, signCanonical, verifyCanonical, type SigningKey } from './signing';
import type { ReportVersionRow } from './tables';

export const PAYLOAD_TYPE = 'consult.remote-diagnosis-report/1';

export interface SignedPayload {
  type: typeof PAYLOAD_TYPE;
  reportId: string;
  consultationId: string;
  version: number;
  signedAt: string;
  signer: { id: string; name: string; role: string; hospitalId: string | null };
  amendmentReason: string | null;
  /** sha256 of the previous version's signature (hex), chaining versions; null for version 1. */
  previous: string | null;
  content: ReportContent;
}

export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export function signPayload(key: SigningKey, p: SignedPayload): { canonical: string; signature: string } {
  const canonical = canonicalJson(p);
  return { canonical, signature: signCanonical(key, canonical) };
}

export const parsePayload = (row: Pick<ReportVersionRow, 'payload'>) =>
  JSON.parse(row.payload) as SignedPayload;

export interface VersionCheck {
  version: number;
  ok: boolean;
  reason: string | null;
}

/**
 * Check every stored version of one report: the signature over the stored canonical bytes, that the bytes are
 * canonical, that the header matches the row (report, version, signer, time) and that versions chain.
 */
export function verifyVersions(
  key: Pick<SigningKey, 'publicKey' | 'fingerprint'>,
  reportId: string,
  rows: ReportVersionRow[],
): VersionCheck[] {
  let prevSig: string | null = null;
  return rows.map((row, i) => {
    const fail = (reason: string): VersionCheck => ({ version: row.version, ok: false, reason });
    const expectedPrev = prevSig === null ? null : sha256(prevSig);
    prevSig = row.signature;
    if (row.version !== i + 1) return fail(`version ${row.version} out of sequence (expected ${i + 1})`);
    if (row.key_fingerprint !== key.fingerprint)
      return fail('signed with a key this deployment does not hold');
    if (!verifyCanonical(key.publicKey, row.payload, row.signature))
      return fail('signature does not match the stored report');
    let p: SignedPayload;
    try {
      p = JSON.parse(row.payload) as SignedPayload;
    } catch {
      return fail('stored payload is not JSON');
    }
    if (canonicalJson(p) !== row.payload) return fail('stored payload is not canonical JSON');
    if (p.type !== PAYLOAD_TYPE) return fail(`unknown payload type ${String(p.type)}`);
    if (p.reportId !== reportId || p.version !== row.version)
      return fail('payload belongs to another report or version');
    if (p.signer.id !== row.signed_by) return fail('signer differs from the stored signer');
    if (new Date(p.signedAt).getTime() !== row.signed_at.getTime())
      return fail('signing time differs from the stored time');
    if (p.previous !== expectedPrev) return fail('version chain broken (previous signature differs)');
    return { version: row.version, ok: true, reason: null };
  });
}
