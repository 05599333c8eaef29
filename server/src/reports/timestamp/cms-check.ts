/**
 * Checking one CMS SignerInfo (RFC 5652 §5.4): its signed attributes name the content type and carry the digest of
 * the content, and its signature over the DER SET of those attributes verifies with the signer's certificate.
 * ECDSA and RSA PKCS#1 v1.5 with SHA-256/384/512 (and SHA-1, for old TSAs).
 */
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Certificate } from '@peculiar/asn1-x509';
import type { SignedData, SignerInfo } from '@peculiar/asn1-cms';

export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.3.14.3.2.26': 'sha1',
};
const ECDSA_PREFIX = '1.2.840.10045.';
const RSA_PKCS1 = new Set([
  '1.2.840.113549.1.1.1',
  '1.2.840.113549.1.1.5',
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
]);

export const hashName = (oid: string): string | undefined => HASHES[oid];

/** The certificate in `signed` that the signer identifier names (issuer + serial, or subject key id). */
export function findSignerCertificate(signed: SignedData, si: SignerInfo): Certificate | undefined {
  const certs = (signed.certificates ?? []).map((c) => c.certificate).filter((c): c is Certificate => !!c);
  const ias = si.sid.issuerAndSerialNumber;
  if (ias) {
    const issuer = Buffer.from(AsnConvert.serialize(ias.issuer));
    const serial = Buffer.from(ias.serialNumber);
    return certs.find(
      (c) =>
        Buffer.from(AsnConvert.serialize(c.tbsCertificate.issuer)).equals(issuer) &&
        Buffer.from(c.tbsCertificate.serialNumber).equals(serial),
    );
  }
  const ski = si.sid.subjectKeyIdentifier;
  if (!ski) return undefined;
  const want = Buffer.from(ski.buffer);
  return certs.find((c) => {
    const ext = c.tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.14');
    if (!ext) return false;
    const parsed = asn1js.fromBER(ext.extnValue.buffer).result as asn1js.OctetString;
    return Buffer.from(parsed.valueBlock.valueHexView).equals(want);
  });
}

/** The single value of a signed attribute, decoded; undefined when absent. */
function attrValue(si: SignerInfo, oid: string): asn1js.AsnType | undefined {
  const a = si.signedAttrs?.find((x) => x.attrType === oid);
  if (!a || a.attrValues.length !== 1) return undefined;
  return asn1js.fromBER(a.attrValues[0]!).result;
}

/**
 * The DER of the `index`th SignerInfo's signed attributes as received ([0] IMPLICIT SET OF Attribute): the bytes
 * the signature covers, taken from the encoding itself rather than re-encoded.
 */
export function rawSignedAttrs(signedDataDer: ArrayBuffer, index: number): Buffer | undefined {
  const seq = asn1js.fromBER(signedDataDer).result as asn1js.Sequence;
  const infos = seq.valueBlock.value.at(-1) as asn1js.Set;
  const si = infos.valueBlock.value[index] as asn1js.Sequence | undefined;
  const attrs = si?.valueBlock.value.find((v) => v.idBlock.tagClass === 3 && v.idBlock.tagNumber === 0);
  return attrs ? Buffer.from(attrs.valueBeforeDecodeView) : undefined;
}

/**
 * Throws `fail(reason)` unless the SignerInfo signs `content` of `contentType` with `cert`'s key; `signedAttrs` is
 * its rawSignedAttrs().
 */
export function verifySignerInfo(
  si: SignerInfo,
  signedAttrs: Buffer | undefined,
  cert: Certificate,
  content: Buffer,
  contentType: string,
  fail: (m: string) => Error,
): void {
  const hash = hashName(si.digestAlgorithm.algorithm);
  if (!hash) throw fail(`uses an unsupported digest ${si.digestAlgorithm.algorithm}`);
  if (!si.signedAttrs || !signedAttrs) throw fail('has no signed attributes');
  const ct = attrValue(si, OID_CONTENT_TYPE);
  if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== contentType)
    throw fail('signed content-type attribute is missing or wrong');
  const md = attrValue(si, OID_MESSAGE_DIGEST);
  const digest = crypto.createHash(hash).update(content).digest();
  if (!(md instanceof asn1js.OctetString) || !Buffer.from(md.valueBlock.valueHexView).equals(digest))
    throw fail('message-digest attribute does not match its content (the content was altered)');

  // The signature covers the attributes as a DER SET (the [0] IMPLICIT tag replaced by SET's 0x31).
  const signedBytes = Buffer.from(signedAttrs);
  signedBytes[0] = 0x31;
  const spki = Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo));
  const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const alg = si.signatureAlgorithm.algorithm;
  const sig = Buffer.from(si.signature.buffer);
  let ok: boolean;
  if (alg.startsWith(ECDSA_PREFIX)) ok = crypto.verify(hash, signedBytes, { key, dsaEncoding: 'der' }, sig);
  else if (RSA_PKCS1.has(alg)) ok = crypto.verify(hash, signedBytes, key, sig);
  else throw fail(`uses an unsupported signature algorithm ${alg}`);
  if (!ok) throw fail('signature does not verify with its certificate');
}
