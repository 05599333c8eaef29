import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Text, Uuid } from './common';

export const SignerAlgorithm = Type.Union([
  Type.Literal('ed25519'),
  Type.Literal('p256'),
  Type.Literal('sm2'),
]);
export type SignerAlgorithm = Static<typeof SignerAlgorithm>;

/** A signing PIN: 6 to 64 characters; never stored by the server. */
export const SigningPin = Type.String({ minLength: 6, maxLength: 64 });

/**
 * Why a key was revoked, as an X.509 CRL reasonCode (RFC 5280 5.3.1) where one maps: keyCompromise (device or PIN
 * lost, key exposed), affiliationChanged (the doctor left or moved), cessationOfOperation (no longer signs),
 * unspecified (no code on the CRL entry, as RFC 5280 recommends).
 */
export const RevocationReasonCode = Type.Union([
  Type.Literal('unspecified'),
  Type.Literal('keyCompromise'),
  Type.Literal('affiliationChanged'),
  Type.Literal('cessationOfOperation'),
]);
export type RevocationReasonCode = Static<typeof RevocationReasonCode>;
export const REVOCATION_REASON_CODES = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'cessationOfOperation',
] as const satisfies readonly RevocationReasonCode[];

/** A signer's key as the signer (and verifiers) see it: the certificate, never the key. */
export const SignerKey = Type.Object({
  id: Uuid,
  algorithm: SignerAlgorithm,
  source: Type.Union([Type.Literal('internal_ca'), Type.Literal('pkcs12')]),
  subject: Type.String(),
  issuer: Type.String(),
  serial: Type.String(),
  notBefore: IsoDateTime,
  notAfter: IsoDateTime,
  fingerprint: Type.String(),
  certificatePem: Type.String(),
  chainPem: Type.Array(Type.String()),
  createdAt: IsoDateTime,
  revokedAt: Type.Union([IsoDateTime, Type.Null()]),
  revocationReason: Type.Union([Type.String(), Type.Null()]),
  revocationCode: Type.Union([RevocationReasonCode, Type.Null()]),
  lockedUntil: Type.Union([IsoDateTime, Type.Null()]),
});
export type SignerKey = Static<typeof SignerKey>;

export const MySigningKey = Type.Object({
  /** The algorithm new keys are enrolled with (SIGNATURE_ALGORITHM). */
  deploymentAlgorithm: SignerAlgorithm,
  /** Reports are signed only with a signer's own key (SIGNER_KEY_REQUIRED). */
  keyRequired: Type.Boolean(),
  active: Type.Union([SignerKey, Type.Null()]),
  /** Earlier (revoked) keys, newest first. */
  history: Type.Array(SignerKey),
});
export type MySigningKey = Static<typeof MySigningKey>;

export const SignerEnrol = Type.Object({ pin: SigningPin }, { additionalProperties: false });
export type SignerEnrol = Static<typeof SignerEnrol>;

export const SignerImport = Type.Object(
  {
    /** The .p12/.pfx file, base64 (at most ~64 KiB). */
    pkcs12Base64: Type.String({ minLength: 4, maxLength: 90_000, pattern: '^[A-Za-z0-9+/=\\s]+$' }),
    password: Type.String({ maxLength: 200 }),
    pin: SigningPin,
  },
  { additionalProperties: false },
);
export type SignerImport = Static<typeof SignerImport>;

export const SignerRevoke = Type.Object(
  { reason: Text(500), reasonCode: Type.Optional(RevocationReasonCode) },
  { additionalProperties: false },
);
export type SignerRevoke = Static<typeof SignerRevoke>;

/** A signer's active key as the users' administrator sees it (GET /api/signers/keys). */
export const AdminSignerKey = Type.Intersect([SignerKey, Type.Object({ userId: Uuid })]);
export type AdminSignerKey = Static<typeof AdminSignerKey>;

export const SignerCa = Type.Object({
  algorithm: SignerAlgorithm,
  certificatePem: Type.String(),
  fingerprint: Type.String(),
});
export type SignerCa = Static<typeof SignerCa>;

/** One named check of a signed version's verification. */
export const SignatureCheckName = Type.Union([
  Type.Literal('sequence'),
  Type.Literal('signature'),
  Type.Literal('payload'),
  Type.Literal('certificate'),
  Type.Literal('chain'),
  Type.Literal('expiry'),
  Type.Literal('revocation'),
  Type.Literal('chain_link'),
  Type.Literal('patient'),
  Type.Literal('consultation'),
  Type.Literal('hospitals'),
  Type.Literal('head'),
]);
export type SignatureCheckName = Static<typeof SignatureCheckName>;

export const SignatureCheck = Type.Object({
  check: SignatureCheckName,
  ok: Type.Boolean(),
  detail: Type.Union([Type.String(), Type.Null()]),
});
export type SignatureCheck = Static<typeof SignatureCheck>;

/** Who signed a version: the certificate (own key) or the deployment key (before per-signer keys). */
export const SignatureSigner = Type.Object({
  deploymentKey: Type.Boolean(),
  algorithm: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  issuer: Type.Union([Type.String(), Type.Null()]),
  notBefore: Type.Union([IsoDateTime, Type.Null()]),
  notAfter: Type.Union([IsoDateTime, Type.Null()]),
  fingerprint: Type.String(),
  revokedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type SignatureSigner = Static<typeof SignatureSigner>;
