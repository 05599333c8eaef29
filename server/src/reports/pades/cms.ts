/**
 * The CMS SignedData of a PAdES signature (ETSI EN 319 142-1, SubFilter ETSI.CAdES.detached): detached (no
 * content), SHA-256, signed attributes content-type, message-digest and ESS signing-certificate-v2 (no signing-time:
 * the time is the PDF's /M, or the time-stamp), the signer's certificate and chain, and, when a TSA answered, the
 * signature-time-stamp (RFC 3161 token over the signature value) as an unsigned attribute.
 */
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  id_data,
  id_signedData,
} from '@peculiar/asn1-cms';
import { OID_CONTENT_TYPE, OID_MESSAGE_DIGEST } from '../timestamp/cms-check';
import { OID_SHA256, toArrayBuffer } from '../timestamp/tsp';
import type { CmsSigner } from './signer';

export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
export const OID_SIGNATURE_TIME_STAMP = '1.2.840.113549.1.9.16.2.14';
const SIGNATURE_OIDS = { 'ECDSA-P256-SHA256': '1.2.840.10045.4.3.2', 'RSA-SHA256': '1.2.840.113549.1.1.11' };

export const pemToDer = (pem: string) =>
  Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');

const attribute = (attrType: string, value: asn1js.AsnType) =>
  new Attribute({ attrType, attrValues: [value.toBER(false)] });

/** A time-stamp token (DER) over the signature value, or null when none could be had now. */
export type SignatureTimestamper = (signatureValue: Buffer) => Promise<Buffer | null>;

export interface CmsResult {
  der: Buffer;
  /** Whether a signature-time-stamp is embedded. */
  timestamped: boolean;
}

/** Sign `content` (the PDF's byte ranges) detached. */
export async function buildCmsSignature(
  signer: CmsSigner,
  content: Buffer,
  timestamp?: SignatureTimestamper,
): Promise<CmsResult> {
  const certDer = pemToDer(signer.certificatePem);
  const cert = AsnConvert.parse(certDer, Certificate);
  const sha256 = new AlgorithmIdentifier({ algorithm: OID_SHA256 });

  // ESSCertIDv2 { hashAlgorithm DEFAULT sha256 (omitted), certHash } inside SigningCertificateV2 { certs }.
  const essCertId = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: crypto.createHash('sha256').update(certDer).digest() })],
  });
  const attrs = [
    attribute(OID_CONTENT_TYPE, new asn1js.ObjectIdentifier({ value: id_data })),
    attribute(
      OID_MESSAGE_DIGEST,
      new asn1js.OctetString({ valueHex: crypto.createHash('sha256').update(content).digest() }),
    ),
    attribute(
      OID_SIGNING_CERTIFICATE_V2,
      new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] }),
    ),
  ];
  // DER orders a SET OF by the encodings; the signature covers the SET, written in the same order below.
  const encoded = attrs
    .map((a) => ({ a, der: Buffer.from(AsnConvert.serialize(a)) }))
    .sort((x, y) => Buffer.compare(x.der, y.der));
  const setBody = Buffer.concat(encoded.map((e) => e.der));
  const signedSet = Buffer.from(
    new asn1js.Set({ value: encoded.map((e) => asn1js.fromBER(e.der).result) }).toBER(),
  );
  if (!signedSet.subarray(signedSet.length - setBody.length).equals(setBody))
    throw new Error('CMS: signed attributes did not encode as expected');
  const signature = Buffer.from(await signer.sign(signedSet));

  const token = timestamp ? await timestamp(signature) : null;
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: cert.tbsCertificate.issuer,
        serialNumber: cert.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: sha256,
    signedAttrs: encoded.map((e) => e.a),
    signatureAlgorithm: new AlgorithmIdentifier({
      algorithm: SIGNATURE_OIDS[signer.algorithm],
      ...(signer.algorithm === 'RSA-SHA256' && { parameters: null }),
    }),
    signature: new OctetString(signature),
    ...(token && {
      unsignedAttrs: [
        new Attribute({ attrType: OID_SIGNATURE_TIME_STAMP, attrValues: [toArrayBuffer(token)] }),
      ],
    }),
  });
  const certs = [certDer, ...signer.chainPem.map(pemToDer)].map(
    (d) => new CertificateChoices({ certificate: AsnConvert.parse(d, Certificate) }),
  );
  const signed = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([sha256]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(certs),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const der = Buffer.from(
    AsnConvert.serialize(
      new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signed) }),
    ),
  );
  return { der, timestamped: !!token };
}
