/**
 * The signed payload of a report version. What is stored in report_versions.payload is exactly the canonical JSON
 * that was signed; everything shown for a signed version is read back from it, so a changed byte shows up in
 * verification and nothing unsigned is displayed as signed.
 *
 * Version 2 (per-signer keys) also signs the patient's identity (id, name, hash of the ID number), the hospital
 * pair and the signing certificate, so re-pointing the consultation to another patient is detected.
 */
import crypto from 'node:crypto';
import type { ReportContent } from '@consult/shared';
import { canonicalJson, signCanonical, type SigningKey } from './signing';
import { signBytes, type SignerAlgorithm } from '../signers/x509';
import type { ReportVersionRow } from './tables';

/** Signatures made before per-signer keys (deployment key, no patient identity). */
export const PAYLOAD_TYPE_V1 = 'consult.remote-diagnosis-report/1';
export const PAYLOAD_TYPE = 'consult.remote-diagnosis-report/2';

export interface SignedPatient {
  id: string;
  name: string;
  /** sha256 (hex) of the national ID number, trimmed and upper-cased; null when none is recorded. */
  idHash: string | null;
}

export interface SignedPayload {
  type: typeof PAYLOAD_TYPE | typeof PAYLOAD_TYPE_V1;
  reportId: string;
  consultationId: string;
  version: number;
  signedAt: string;
  signer: { id: string; name: string; role: string; hospitalId: string | null };
  amendmentReason: string | null;
  /** sha256 of the previous version's signature (hex), chaining versions; null for version 1. */
  previous: string | null;
  content: ReportContent;
  /** Version 2 on: whose report this is. */
  patient?: SignedPatient;
  /** Version 2 on: the requesting and the consulting hospital. */
  hospitals?: { requesting: string; target: string };
  /** Version 2 on: the signing key (algorithm 'deployment' for the deployment key) and its certificate's hash. */
  key?: { algorithm: SignerAlgorithm | 'deployment'; fingerprint: string };
}

export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export const nationalIdHash = (nationalId: string | null) =>
  nationalId ? sha256(nationalId.trim().toUpperCase()) : null;

/** A signer's key: its own (algorithm + certificate) or the deployment key (algorithm null). */
export interface PayloadSigner {
  algorithm: SignerAlgorithm | null;
  privateKey: crypto.KeyObject;
  /** Certificate sha256 (own key) or the deployment key's SPKI fingerprint. */
  fingerprint: string;
  certificatePem: string | null;
  /** The certificate's issuing chain (own key; PEM, nearest issuer first): the PDF signature carries it. */
  chainPem?: string[];
  keyId: string | null;
}

export const deploymentSigner = (key: SigningKey): PayloadSigner => ({
  algorithm: null,
  privateKey: key.privateKey,
  fingerprint: key.fingerprint,
  certificatePem: null,
  keyId: null,
});

export function signPayload(s: PayloadSigner, p: SignedPayload): { canonical: string; signature: string } {
  const canonical = canonicalJson(p);
  const signature = s.algorithm
    ? signBytes(s.algorithm, s.privateKey, Buffer.from(canonical, 'utf8')).toString('base64')
    : signCanonical({ privateKey: s.privateKey } as SigningKey, canonical);
  return { canonical, signature };
}

export const parsePayload = (row: Pick<ReportVersionRow, 'payload'>) =>
  JSON.parse(row.payload) as SignedPayload;
