/**
 * RFC 3161 Time-Stamp Protocol messages: the request (TimeStampReq DER) and the checks of a response and of a
 * stored token. ASN.1 through @peculiar/asn1-* (maintained, typed); signatures checked with node:crypto.
 *
 * A token is accepted only when: the status is granted (or grantedWithMods), the content is a TSTInfo, its
 * messageImprint is SHA-256 of exactly our bytes, the nonce is ours (on a fresh response), the signed attributes
 * carry the content type and the digest of the TSTInfo, the signer's certificate (in the token, found by the
 * signer identifier) verifies the signature, is valid at genTime, has extendedKeyUsage critical,timeStamping, and
 * chains to a configured trusted certificate (see trust.ts).
 */
import crypto from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms';
import {
  MessageImprint,
  PKIStatus,
  TSTInfo,
  TimeStampReq,
  TimeStampResp,
  id_ct_tstInfo,
} from '@peculiar/asn1-tsp';
import { checkTsaCertificate, type TsaTrust } from './trust';
import { findSignerCertificate, rawSignedAttrs, verifySignerInfo } from './cms-check';

export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';

export class TimestampError extends Error {
  override name = 'TimestampError';
}

export interface TimestampRequest {
  der: Buffer;
  /** The nonce as an unsigned big-endian integer (hex), to compare with the response's. */
  nonceHex: string;
}

/** A TimeStampReq for SHA-256(`data`) with a fresh 64-bit nonce and certReq true. */
export function buildRequest(data: Buffer): TimestampRequest {
  const nonce = crypto.randomBytes(8);
  nonce[0] = (nonce[0]! & 0x7f) | 0x01; // positive, no leading zero byte: the INTEGER is these 8 bytes
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID_SHA256 }),
      hashedMessage: new OctetString(crypto.createHash('sha256').update(data).digest()),
    }),
    nonce: toArrayBuffer(nonce),
    certReq: true,
  });
  return { der: Buffer.from(AsnConvert.serialize(req)), nonceHex: nonce.toString('hex') };
}

export interface VerifiedToken {
  /** DER of the TimeStampToken (a CMS ContentInfo): what is stored and embedded in the PDF. */
  token: Buffer;
  genTime: Date;
  serialHex: string;
  /** The TSA certificate's subject (one line). */
  tsaSubject: string;
}

const STATUS_TEXT: Record<number, string> = {
  [PKIStatus.rejection]: 'rejection',
  [PKIStatus.waiting]: 'waiting',
  [PKIStatus.revocationWarning]: 'revocationWarning',
  [PKIStatus.revocationNotification]: 'revocationNotification',
};

/** Check a TimeStampResp against the request it answers; return the verified token. */
export function verifyResponse(
  respDer: Buffer,
  data: Buffer,
  request: Pick<TimestampRequest, 'nonceHex'>,
  trust: TsaTrust,
): VerifiedToken {
  let resp: TimeStampResp;
  try {
    resp = AsnConvert.parse(respDer, TimeStampResp);
  } catch (e) {
    throw new TimestampError(`the TSA's answer is not a TimeStampResp (${(e as Error).message})`);
  }
  const status = resp.status.status;
  if (status !== PKIStatus.granted && status !== PKIStatus.grantedWithMods) {
    const text = resp.status.statusString?.join('; ') ?? '';
    throw new TimestampError(
      `the TSA refused the request: ${STATUS_TEXT[status] ?? `status ${status}`}${text ? ` (${text})` : ''}`,
    );
  }
  if (!resp.timeStampToken) throw new TimestampError('the TSA granted the request but sent no token');
  const token = Buffer.from(AsnConvert.serialize(resp.timeStampToken));
  return verifyToken(token, data, trust, request.nonceHex);
}

/** Check a stored token (or a fresh one, with the nonce we sent) against the bytes it should stamp. */
export function verifyToken(token: Buffer, data: Buffer, trust: TsaTrust, nonceHex?: string): VerifiedToken {
  let signed: SignedData;
  let signedDer: ArrayBuffer;
  try {
    const ci = AsnConvert.parse(token, ContentInfo);
    if (ci.contentType !== id_signedData) throw new Error(`content type ${ci.contentType}`);
    signedDer = ci.content;
    signed = AsnConvert.parse(signedDer, SignedData);
  } catch (e) {
    throw new TimestampError(`the time-stamp token is not CMS SignedData (${(e as Error).message})`);
  }
  const eci = signed.encapContentInfo;
  if (eci.eContentType !== id_ct_tstInfo) throw new TimestampError('the token does not carry a TSTInfo');
  const content = eci.eContent?.single?.buffer ?? eci.eContent?.any;
  if (!content) throw new TimestampError('the token has no TSTInfo content');
  const tstDer = Buffer.from(content);
  let tst: TSTInfo;
  try {
    tst = AsnConvert.parse(tstDer, TSTInfo);
  } catch (e) {
    throw new TimestampError(`the token's TSTInfo does not parse (${(e as Error).message})`);
  }

  const imprint = tst.messageImprint;
  if (imprint.hashAlgorithm.algorithm !== OID_SHA256)
    throw new TimestampError(`the token's imprint uses ${imprint.hashAlgorithm.algorithm}, not SHA-256`);
  const expected = crypto.createHash('sha256').update(data).digest();
  if (!expected.equals(Buffer.from(imprint.hashedMessage.buffer)))
    throw new TimestampError('the token stamps other data (message imprint differs)');
  if (nonceHex !== undefined) {
    if (!tst.nonce) throw new TimestampError('the TSA left out the nonce');
    if (unsignedHex(tst.nonce) !== unsignedHex(Buffer.from(nonceHex, 'hex')))
      throw new TimestampError('the nonce differs from the one sent (a replayed or foreign answer)');
  }

  if (signed.signerInfos.length !== 1)
    throw new TimestampError(`the token has ${signed.signerInfos.length} signers, expected one`);
  const si = signed.signerInfos[0]!;
  const cert = findSignerCertificate(signed, si);
  if (!cert) throw new TimestampError('the token does not include the TSA certificate (certReq was true)');
  verifySignerInfo(
    si,
    rawSignedAttrs(signedDer, 0),
    cert,
    tstDer,
    id_ct_tstInfo,
    (m) => new TimestampError(`the token ${m}`),
  );
  const x509 = new crypto.X509Certificate(Buffer.from(AsnConvert.serialize(cert)));
  const others = (signed.certificates ?? [])
    .map((c) => c.certificate)
    .filter((c): c is Certificate => !!c)
    .map((c) => new crypto.X509Certificate(Buffer.from(AsnConvert.serialize(c))));
  const why = checkTsaCertificate(cert, x509, others, trust, tst.genTime);
  if (why) throw new TimestampError(why);
  return {
    token,
    genTime: tst.genTime,
    serialHex: Buffer.from(tst.serialNumber).toString('hex'),
    tsaSubject: x509.subject.replace(/\n/g, ', '),
  };
}

const unsignedHex = (b: ArrayBuffer | Buffer) =>
  Buffer.from(b as ArrayBuffer)
    .toString('hex')
    .replace(/^(00)+/, '');

export const toArrayBuffer = (b: Buffer): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
