/**
 * Who signs a report PDF: a CmsSigner (certificate, chain, a function that signs bytes). For a version signed with
 * the doctor's own P-256 key, that key and certificate (unlocked with the PIN at signing, through signerFromKey();
 * ../signed-pdf.ts). Otherwise the deployment's certificate: PDF_SIGNING_CERT + PDF_SIGNING_KEY (PEM files; the
 * certificate file may continue with its chain), or else a self-signed P-256 certificate created once as a
 * deployment key (database).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { Executor } from '../../db/database';
import { deploymentKey, type KeySource } from '../../secrets/deployment-keys';
import { toArrayBuffer } from '../timestamp/tsp';

export type CmsAlgorithm = 'ECDSA-P256-SHA256' | 'RSA-SHA256';

/** What signs a PDF's CMS: the signer's certificate (PEM), its chain (PEM, leaf's issuer first) and a signer. */
export interface CmsSigner {
  algorithm: CmsAlgorithm;
  certificatePem: string;
  chainPem: string[];
  /** The signature over `data` (SHA-256 hashing included; ECDSA signatures DER-encoded). */
  sign(data: Buffer): Buffer | Promise<Buffer>;
}

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

const pemBlocks = (pem: string) =>
  pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

/** A signer over a private key and its certificate: ECDSA P-256 or RSA, both with SHA-256. */
export function signerFromKey(
  certificatePem: string,
  chainPem: string[],
  privateKey: crypto.KeyObject,
): CmsSigner {
  const cert = new crypto.X509Certificate(certificatePem);
  if (!cert.checkPrivateKey(privateKey))
    throw new Error('the PDF signing key does not belong to the PDF signing certificate');
  let algorithm: CmsAlgorithm;
  if (privateKey.asymmetricKeyType === 'rsa') algorithm = 'RSA-SHA256';
  else if (
    privateKey.asymmetricKeyType === 'ec' &&
    privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1'
  )
    algorithm = 'ECDSA-P256-SHA256';
  else
    throw new Error(
      `PDF signatures need an ECDSA P-256 or RSA key, not ${privateKey.asymmetricKeyType} ${privateKey.asymmetricKeyDetails?.namedCurve ?? ''}`.trim(),
    );
  return {
    algorithm,
    certificatePem,
    chainPem,
    sign: (data) =>
      crypto.sign(
        'sha256',
        data,
        algorithm === 'RSA-SHA256' ? privateKey : { key: privateKey, dsaEncoding: 'der' },
      ),
  };
}

/**
 * The deployment's PDF signer: configured files, or a self-signed P-256 certificate created once as a deployment
 * key (the database row every node reads, sealed with SECRETS_KEY when set; secrets/deployment-keys.ts).
 */
export async function loadDeploymentSigner(
  db: Executor,
  src: KeySource,
  files: { cert: string | null; key: string | null },
  subjectCn = 'Consult platform report signing',
): Promise<CmsSigner> {
  if (files.cert && files.key) {
    const [leaf, ...chain] = pemBlocks(fs.readFileSync(files.cert, 'utf8'));
    if (!leaf) throw new Error(`PDF_SIGNING_CERT ${files.cert} holds no PEM certificate`);
    return signerFromKey(leaf, chain, crypto.createPrivateKey(fs.readFileSync(files.key)));
  }
  const text = await deploymentKey(db, src, {
    name: 'pdf-signing-p256',
    legacyFile: 'pdf-signing-p256.pem',
    create: () => {
      const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return `${privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()}${selfSignedCertificate(privateKey, subjectCn)}`;
    },
  });
  const [cert] = pemBlocks(text!);
  return signerFromKey(cert!, [], crypto.createPrivateKey(text!));
}

const name = (cn: string) =>
  new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({
        type: '2.5.4.10',
        value: new AttributeValue({ utf8String: 'Consult platform' }),
      }),
    ]),
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) }),
    ]),
  ]);

/** A self-signed X.509 v3 certificate (ECDSA P-256, SHA-256) for document signing, valid ten years. */
export function selfSignedCertificate(privateKey: crypto.KeyObject, cn: string): string {
  const spki = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const now = new Date();
  const ext = (extnID: string, critical: boolean, value: unknown) =>
    new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: new AlgorithmIdentifier({ algorithm: OID_ECDSA_SHA256 }),
    issuer: name(cn),
    subject: name(cn),
    validity: new Validity({
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
    }),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions([
      ext('2.5.29.19', true, new BasicConstraints({ cA: false })),
      ext('2.5.29.15', true, new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)),
      ext('2.5.29.14', false, new OctetString(crypto.createHash('sha1').update(spki).digest())),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = crypto.sign('sha256', tbsDer, { key: privateKey, dsaEncoding: 'der' });
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID_ECDSA_SHA256 }),
    signatureValue: toArrayBuffer(signature),
  });
  const der = Buffer.from(AsnConvert.serialize(cert));
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A certificate's subject on one line ("O=…, CN=…"), as printed in the signature block. */
export const certificateSubject = (pem: string) =>
  new crypto.X509Certificate(pem).subject.split('\n').join(', ');
