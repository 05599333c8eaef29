/**
 * Signer algorithms and X.509 certificates. The TBSCertificate is built with the @peculiar/asn1-x509 schema and
 * signed here, one code path for Ed25519, ECDSA P-256 (SHA-256) (node:crypto) and SM2 with SM3 (sm2.ts, with the
 * GM/T 0009 distinguishing ID "1234567812345678"): no maintained certificate builder signs SM2.
 *
 * SM2 caveat: OpenSSL only treats a key as SM2 (not ECDSA on the SM2 curve) when it is decoded from DER/PEM, so
 * every key this module hands out is re-imported from its encoding (`normaliseKey`).
 */
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import { sm2Sign, sm2Verify } from './sm2';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  GeneralName,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';

export const SIGNER_ALGORITHMS = ['ed25519', 'p256', 'sm2'] as const;
export type SignerAlgorithm = (typeof SIGNER_ALGORITHMS)[number];

export { SM2_DEFAULT_ID } from './sm2';

interface AlgorithmSpec {
  /** Signature AlgorithmIdentifier OID in certificates. */
  sigOid: string;
  /** Digest given to crypto.sign/verify (null: the algorithm's own, Ed25519). */
  digest: string | null;
  label: string;
  generate: () => crypto.KeyObject;
}

const SPECS: Record<SignerAlgorithm, AlgorithmSpec> = {
  ed25519: {
    sigOid: '1.3.101.112',
    digest: null,
    label: 'Ed25519',
    generate: () => crypto.generateKeyPairSync('ed25519').privateKey,
  },
  p256: {
    sigOid: '1.2.840.10045.4.3.2',
    digest: 'sha256',
    label: 'ECDSA P-256 with SHA-256',
    generate: () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
  },
  sm2: {
    sigOid: '1.2.156.10197.1.501',
    digest: 'sm3',
    label: 'SM2 with SM3',
    generate: () => crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey,
  },
};

export const algorithmLabel = (a: SignerAlgorithm) => SPECS[a].label;

/** Re-import a private key from PKCS#8 DER, so SM2-curve keys sign as SM2 (see the header). */
export function normaliseKey(key: crypto.KeyObject): crypto.KeyObject {
  return crypto.createPrivateKey({
    key: key.export({ type: 'pkcs8', format: 'der' }),
    format: 'der',
    type: 'pkcs8',
  });
}

export const normalisePublicKey = (key: crypto.KeyObject): crypto.KeyObject =>
  crypto.createPublicKey({ key: key.export({ type: 'spki', format: 'der' }), format: 'der', type: 'spki' });

export function generateKey(a: SignerAlgorithm): crypto.KeyObject {
  return normaliseKey(SPECS[a].generate());
}

/** Which of our algorithms a key is (null: one we do not sign with, e.g. RSA or P-384). */
export function algorithmOfKey(key: crypto.KeyObject): SignerAlgorithm | null {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec')
    return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'p256' : null;
  // Node names no type for OpenSSL's SM2 keys (decoded SM2-curve keys): read the curve from the SPKI.
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  const spki = AsnConvert.parse(pub.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const params = spki.algorithm.parameters;
  if (spki.algorithm.algorithm !== OID_EC_PUBLIC_KEY || !params) return null;
  const curve = asn1js.fromBER(params).result;
  return curve instanceof asn1js.ObjectIdentifier && curve.valueBlock.toString() === OID_SM2_CURVE
    ? 'sm2'
    : null;
}

export function signBytes(a: SignerAlgorithm, key: crypto.KeyObject, data: Buffer): Buffer {
  // SM2 with the GM/T 0009 distinguishing ID (sm2.ts): node's own SM2 signing uses an empty ID.
  if (a === 'sm2') return sm2Sign(key, data);
  return crypto.sign(SPECS[a].digest, data, key);
}

export function verifyBytes(a: SignerAlgorithm, key: crypto.KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    if (a === 'sm2') return sm2Verify(key, data, sig);
    return crypto.verify(SPECS[a].digest, data, key, sig);
  } catch {
    return false;
  }
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_SM2_CURVE = '1.2.156.10197.1.301';
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_OU = '2.5.4.11';

/** A distinguished name from (type, UTF-8 value) pairs: CN, O, OU. */
export function buildName(parts: { cn: string; o?: string | null; ou?: string | null }): Name {
  const rdn = (type: string, v: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: v }) }),
    ]);
  const rdns: RelativeDistinguishedName[] = [];
  if (parts.o) rdns.push(rdn(OID_O, parts.o));
  if (parts.ou) rdns.push(rdn(OID_OU, parts.ou));
  rdns.push(rdn(OID_CN, parts.cn));
  return new Name(rdns);
}

/** The signature AlgorithmIdentifier of an algorithm (no parameters: Ed25519, ECDSA with SHA-256, SM2 with SM3). */
export const signatureAlgorithmId = (a: SignerAlgorithm) =>
  new AlgorithmIdentifier({ algorithm: SPECS[a].sigOid });

/** The key identifier of a public key (SHA-1 of the subjectPublicKey bits, RFC 5280 4.2.1.2 method 1). */
export const keyId = (spkiDer: Buffer) => {
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  return crypto.createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
};

export function ext(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export interface IssueInput {
  algorithm: SignerAlgorithm;
  subject: Name;
  subjectPublicKey: crypto.KeyObject;
  /** Absent: self-signed (the issuer is the subject, signed with `issuerKey`). */
  issuerCertPem?: string;
  issuerKey: crypto.KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** Where the issuer's CRL is published (CRL Distribution Points extension); leaf certificates of the internal CA. */
  crlUrl?: string;
}

/** Build and sign one certificate; returns its PEM. */
export function issueCertificate(i: IssueInput): string {
  const spkiDer = i.subjectPublicKey.export({ type: 'spki', format: 'der' });
  const issuer = i.issuerCertPem
    ? AsnConvert.parse(new crypto.X509Certificate(i.issuerCertPem).raw, Certificate).tbsCertificate
    : null;
  const issuerSpki = issuer
    ? Buffer.from(AsnConvert.serialize(issuer.subjectPublicKeyInfo))
    : crypto.createPublicKey(i.issuerKey).export({ type: 'spki', format: 'der' });
  const serial = crypto.randomBytes(16);
  // A positive INTEGER whose first byte is not zero: DER allows no leading zero byte there (OpenSSL refuses the
  // certificate with "illegal padding"; about 1 in 256 random serials had one).
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const usage = i.ca
    ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign
    : KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
  const sigAlg = signatureAlgorithmId(i.algorithm);
  const crlDp = i.crlUrl
    ? [
        ext(
          id_ce_cRLDistributionPoints,
          false,
          new CRLDistributionPoints([
            new DistributionPoint({
              distributionPoint: new DistributionPointName({
                fullName: [new GeneralName({ uniformResourceIdentifier: i.crlUrl })],
              }),
            }),
          ]),
        ),
      ]
    : [];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: sigAlg,
    issuer: issuer ? issuer.subject : i.subject,
    validity: new Validity({ notBefore: i.notBefore, notAfter: i.notAfter }),
    subject: i.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spkiDer, SubjectPublicKeyInfo),
    extensions: new Extensions([
      ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: i.ca })),
      ext(id_ce_keyUsage, true, new KeyUsage(usage)),
      ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spkiDer))),
      ext(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(issuerSpki)) }),
      ),
      ...crlDp,
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = signBytes(i.algorithm, i.issuerKey, tbsDer);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: sigAlg,
    signatureValue: new Uint8Array(signature).buffer,
  });
  return toPem(Buffer.from(AsnConvert.serialize(cert)));
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** Which of our algorithms a certificate's signature uses (null: another). */
export function certSignatureAlgorithm(cert: crypto.X509Certificate): SignerAlgorithm | null {
  const oid = AsnConvert.parse(cert.raw, Certificate).signatureAlgorithm.algorithm;
  return SIGNER_ALGORITHMS.find((a) => SPECS[a].sigOid === oid) ?? null;
}

/**
 * Whether `issuer` signed `cert`: names chain and the signature over the TBSCertificate verifies with the issuer's
 * key (done here rather than with X509Certificate.verify so SM2 uses the same normalised key and default ID).
 */
export function issuedBy(cert: crypto.X509Certificate, issuer: crypto.X509Certificate): boolean {
  if (cert.issuer !== issuer.subject) return false;
  const parsed = AsnConvert.parse(cert.raw, Certificate);
  const alg = SIGNER_ALGORITHMS.find((a) => SPECS[a].sigOid === parsed.signatureAlgorithm.algorithm);
  const issuerAlg = algorithmOfKey(issuer.publicKey);
  if (!alg || !issuerAlg) return cert.verify(issuer.publicKey);
  return verifyBytes(
    alg,
    normalisePublicKey(issuer.publicKey),
    tbsBytes(cert.raw),
    Buffer.from(parsed.signatureValue),
  );
}

/** The TBSCertificate exactly as encoded (the first element of the outer SEQUENCE), never re-serialised. */
function tbsBytes(der: Buffer): Buffer {
  const header = (at: number): { len: number; hdr: number } => {
    const b = der[at + 1]!;
    if (b < 0x80) return { len: b, hdr: 2 };
    const n = b & 0x7f;
    let len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + der[at + 2 + k]!;
    return { len, hdr: 2 + n };
  };
  const outer = header(0);
  const inner = header(outer.hdr);
  return der.subarray(outer.hdr, outer.hdr + inner.hdr + inner.len);
}

export const certFingerprint = (cert: crypto.X509Certificate) =>
  crypto.createHash('sha256').update(cert.raw).digest('hex');
