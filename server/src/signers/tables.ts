import type { Generated, Selectable } from 'kysely';
import type { GeneratedTimestamp, Timestamp } from '../db/tables';

/** A signer's key and certificate. Never deleted: revocation sets revoked_at (old signatures keep verifying). */
export interface SignerKeyTable {
  id: string;
  user_id: string;
  algorithm: string;
  /** internal_ca: generated here, certificate from the internal CA; pkcs12: imported from the hospital's CA. */
  source: 'internal_ca' | 'pkcs12';
  certificate_pem: string;
  /** JSON array of PEM: the issuing chain, nearest issuer first, up to the root. */
  chain_pem: string;
  /** sha256 of the certificate DER, hex. */
  fingerprint: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: Timestamp;
  not_after: Timestamp;
  /** JSON of SealedKey (signers/pin.ts): PKCS#8 under the PIN. */
  sealed_key: string;
  failed_pins: Generated<number>;
  locked_until: Timestamp | null;
  created_at: GeneratedTimestamp;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  revocation_reason: string | null;
  /** RFC 5280 CRL reason (shared RevocationReasonCode); null: revoked before codes were recorded. */
  revocation_code: string | null;
}

export type SignerKeyRow = Selectable<SignerKeyTable>;
