/**
 * Whether a TSA certificate is one to believe: valid at the stamped time, extendedKeyUsage critical with
 * timeStamping only (RFC 3161 §2.3), and chaining (through certificates the token carries) to a certificate the
 * deployment trusts (TSA_CA_CERT). Without TSA_CA_CERT the deployment has chosen to believe the TSA at TSA_URL
 * whatever certificate it presents (the token's own signature and purpose are still checked).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import * as asn1js from 'asn1js';
import type { Certificate } from '@peculiar/asn1-x509';

const OID_EKU = '2.5.29.37';
const OID_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const MAX_CHAIN = 6;

export interface TsaTrust {
  /** Certificates to trust (roots or the TSA's own); empty → any TSA certificate (see above). */
  anchors: crypto.X509Certificate[];
}

/** Read every PEM certificate of a file (TSA_CA_CERT). */
export function loadTrust(file: string | null): TsaTrust {
  if (!file) return { anchors: [] };
  const pem = fs.readFileSync(file, 'utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`TSA_CA_CERT ${file} holds no PEM certificate`);
  return { anchors: blocks.map((b) => new crypto.X509Certificate(b)) };
}

const issuedBy = (c: crypto.X509Certificate, by: crypto.X509Certificate) =>
  c.checkIssued(by) && c.verify(by.publicKey);

/** Null when the certificate is acceptable, else why not. */
export function checkTsaCertificate(
  cert: Certificate,
  x509: crypto.X509Certificate,
  carried: crypto.X509Certificate[],
  trust: TsaTrust,
  at: Date,
): string | null {
  const eku = cert.tbsCertificate.extensions?.find((e) => e.extnID === OID_EKU);
  if (!eku || !eku.critical)
    return 'the TSA certificate lacks a critical extendedKeyUsage (RFC 3161 requires timeStamping, critical)';
  const purposes = (asn1js.fromBER(eku.extnValue.buffer).result as asn1js.Sequence).valueBlock.value.map(
    (v) => (v as asn1js.ObjectIdentifier).valueBlock.toString(),
  );
  if (purposes.length !== 1 || purposes[0] !== OID_TIME_STAMPING)
    return 'the TSA certificate is not for time-stamping only (extendedKeyUsage)';
  if (at < new Date(x509.validFrom) || at > new Date(x509.validTo))
    return 'the TSA certificate was not valid at the stamped time';
  if (trust.anchors.length === 0) return null;
  let current = x509;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (trust.anchors.some((a) => a.fingerprint256 === current.fingerprint256 || issuedBy(current, a)))
      return null;
    const up = carried.find(
      (c) => c.ca && c.fingerprint256 !== current.fingerprint256 && issuedBy(current, c),
    );
    if (!up) break;
    current = up;
  }
  return 'the TSA certificate does not chain to a trusted certificate (TSA_CA_CERT)';
}
