/**
 * The internal signer CA, for deployments without a hospital CA: one self-signed root per algorithm, created on
 * first use as a deployment key (private key and certificate as one PEM text; secrets/deployment-keys.ts: from the
 * database, sealed with SECRETS_KEY when set, created once by whichever node asks first, never on a node's disk).
 * It issues a signer certificate on every enrolment. Its root certificate is public (GET /api/signers/ca) so outside
 * verifiers (openssl verify, PDF readers) can trust it.
 */
import crypto from 'node:crypto';
import type { Executor } from '../db/database';
import { deploymentKey, type KeySource } from '../secrets/deployment-keys';
import { buildName, generateKey, issueCertificate, type SignerAlgorithm } from './x509';

export interface InternalCa {
  algorithm: SignerAlgorithm;
  certificatePem: string;
  certificate: crypto.X509Certificate;
  privateKey: crypto.KeyObject;
}

const ROOT_YEARS = 20;
const ALGORITHMS: SignerAlgorithm[] = ['ed25519', 'p256', 'sm2'];
const spec = (a: SignerAlgorithm, create?: () => string) => ({
  name: `signer-ca-${a}`,
  legacyFile: `signer-ca-${a}.pem`,
  ...(create && { create }),
});

function parse(algorithm: SignerAlgorithm, text: string): InternalCa {
  const certificatePem = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/)![0];
  const privateKey = crypto.createPrivateKey(text);
  return {
    algorithm,
    certificatePem,
    certificate: new crypto.X509Certificate(certificatePem),
    privateKey: crypto.createPrivateKey({
      key: privateKey.export({ type: 'pkcs8', format: 'der' }),
      format: 'der',
      type: 'pkcs8',
    }),
  };
}

/** The internal CA of an algorithm, if it was ever created. */
export async function readInternalCa(
  db: Executor,
  src: KeySource,
  a: SignerAlgorithm,
): Promise<InternalCa | null> {
  const text = await deploymentKey(db, src, spec(a));
  return text === null ? null : parse(a, text);
}

export async function loadOrCreateInternalCa(
  db: Executor,
  src: KeySource,
  a: SignerAlgorithm,
): Promise<InternalCa> {
  const text = await deploymentKey(
    db,
    src,
    spec(a, () => newRoot(a)),
  );
  return parse(a, text!);
}

function newRoot(a: SignerAlgorithm): string {
  const key = generateKey(a);
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + ROOT_YEARS);
  const certPem = issueCertificate({
    algorithm: a,
    subject: buildName({ cn: `Consult internal signer CA (${a})`, o: 'Consult platform' }),
    subjectPublicKey: crypto.createPublicKey(key),
    issuerKey: key,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    ca: true,
  });
  return `${key.export({ type: 'pkcs8', format: 'pem' }).toString()}${certPem}`;
}

/** Every internal root this deployment holds (any algorithm): trust anchors for verification. */
export async function internalRoots(db: Executor, src: KeySource): Promise<crypto.X509Certificate[]> {
  const cas = await Promise.all(ALGORITHMS.map((a) => readInternalCa(db, src, a)));
  return cas.filter((c): c is InternalCa => !!c).map((c) => c.certificate);
}
