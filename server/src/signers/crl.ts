/**
 * The internal signer CA's certificate revocation list: an X.509 v2 CRL (RFC 5280 section 5), DER, built with the
 * @peculiar/asn1-x509 schema and signed with the CA's key by the same code path as its certificates (x509.ts:
 * Ed25519, ECDSA P-256 with SHA-256, SM2 with SM3 and the GM/T 0009 default ID).
 *
 * Contents: issuer = the CA's subject; thisUpdate = now; nextUpdate = now + CRL_VALIDITY_DAYS; one entry per revoked
 * certificate (serial number, revocation date, reasonCode when the reason maps to one other than unspecified, which
 * RFC 5280 5.3.1 says to leave out); extensions: authorityKeyIdentifier and cRLNumber (a database sequence every
 * node shares, so numbers strictly increase). A full CRL (no issuingDistributionPoint): it covers every certificate
 * the CA issued.
 */
import crypto from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
  CertificateList,
  CRLNumber,
  CRLReason,
  CRLReasons,
  KeyIdentifier,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
} from '@peculiar/asn1-x509';
import type { RevocationReasonCode } from '@consult/shared';
import { ext, keyId, signatureAlgorithmId, signBytes, type SignerAlgorithm } from './x509';

/** How long a CRL is current (nextUpdate − thisUpdate). Relying parties fetch a new one before; ours is per request. */
export const CRL_VALIDITY_DAYS = 7;

export interface CrlEntry {
  /** The revoked certificate (PEM); its serial number is read from its DER, byte for byte. */
  certificatePem: string;
  revokedAt: Date;
  code: RevocationReasonCode | null;
}

export interface CrlInput {
  algorithm: SignerAlgorithm;
  issuer: crypto.X509Certificate;
  issuerKey: crypto.KeyObject;
  entries: CrlEntry[];
  number: bigint;
  thisUpdate: Date;
}

const REASONS: Partial<Record<RevocationReasonCode, CRLReasons>> = {
  keyCompromise: CRLReasons.keyCompromise,
  affiliationChanged: CRLReasons.affiliationChanged,
  cessationOfOperation: CRLReasons.cessationOfOperation,
};

/** CRL times are whole seconds (UTCTime until 2049, RFC 5280 5.1.2.4). */
const seconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/** Build and sign the CRL; returns its DER. */
export function buildCrl(i: CrlInput): Buffer {
  const ca = AsnConvert.parse(i.issuer.raw, Certificate).tbsCertificate;
  const sigAlg = signatureAlgorithmId(i.algorithm);
  const revoked = i.entries.map((e) => {
    const serial = AsnConvert.parse(new crypto.X509Certificate(e.certificatePem).raw, Certificate)
      .tbsCertificate.serialNumber;
    const reason = e.code ? REASONS[e.code] : undefined;
    return new RevokedCertificate({
      userCertificate: serial,
      revocationDate: new Time(seconds(e.revokedAt)),
      ...(reason !== undefined && {
        crlEntryExtensions: [ext(id_ce_cRLReasons, false, new CRLReason(reason))],
      }),
    });
  });
  const thisUpdate = seconds(i.thisUpdate);
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: sigAlg,
    issuer: ca.subject,
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(new Date(thisUpdate.getTime() + CRL_VALIDITY_DAYS * 86_400_000)),
    // Absent, not an empty SEQUENCE, when nothing is revoked (RFC 5280 5.1.2.6).
    ...(revoked.length > 0 && { revokedCertificates: revoked }),
    crlExtensions: [
      ext(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({
          keyIdentifier: new KeyIdentifier(keyId(Buffer.from(AsnConvert.serialize(ca.subjectPublicKeyInfo)))),
        }),
      ),
      ext(id_ce_cRLNumber, false, new CRLNumber(Number(i.number))),
    ],
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = signBytes(i.algorithm, i.issuerKey, tbsDer);
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: sigAlg,
    signature: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(crl));
}
