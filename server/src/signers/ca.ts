/**
 * The internal signer CA, for deployments without a hospital CA: one self-signed root per algorithm, created on
 * first use in DATA_DIR/keys/signer-ca-<algorithm>.pem (private key and certificate in one 0600 file, written with
 * 'wx' so two processes never create two roots). It issues a signer certificate on every enrolment. Its root
 * certificate is public (GET /api/signers/ca) so outside verifiers (openssl verify, PDF readers) can trust it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { keysDir } from '../reports/signing';
import { buildName, generateKey, issueCertificate, type SignerAlgorithm } from './x509';

export interface InternalCa {
  algorithm: SignerAlgorithm;
  certificatePem: string;
  certificate: crypto.X509Certificate;
  privateKey: crypto.KeyObject;
}

const ROOT_YEARS = 20;
const caFile = (dataDir: string, a: SignerAlgorithm) => path.join(keysDir(dataDir), `signer-ca-${a}.pem`);

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
export function readInternalCa(dataDir: string, a: SignerAlgorithm): InternalCa | null {
  const file = caFile(dataDir, a);
  return fs.existsSync(file) ? parse(a, fs.readFileSync(file, 'utf8')) : null;
}

export function loadOrCreateInternalCa(dataDir: string, a: SignerAlgorithm): InternalCa {
  const existing = readInternalCa(dataDir, a);
  if (existing) return existing;
  fs.mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
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
  const text = `${key.export({ type: 'pkcs8', format: 'pem' }).toString()}${certPem}`;
  try {
    fs.writeFileSync(caFile(dataDir, a), text, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readInternalCa(dataDir, a)!;
}

/** Every internal root this deployment holds (any algorithm): trust anchors for verification. */
export function internalRoots(dataDir: string): crypto.X509Certificate[] {
  return (['ed25519', 'p256', 'sm2'] as const)
    .map((a) => readInternalCa(dataDir, a)?.certificate)
    .filter((c): c is crypto.X509Certificate => !!c);
}
