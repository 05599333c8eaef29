/**
 * Reading a PKCS#12 (.p12/.pfx) file from the hospital's CA: the integrity MAC is checked with the password (RFC 7292
 * appendix B key derivation, HMAC with the file's digest), then the certificate bags and the one shrouded key bag
 * are decrypted. Supported encryptions: PBES2 (PBKDF2 + AES-CBC, OpenSSL 3's default) and
 * pbeWithSHAAnd3-KeyTripleDES-CBC (older exports). RC2/RC4 (OpenSSL 1.x "legacy" exports) are refused by name.
 */
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthenticatedSafe,
  CertBag,
  PFX,
  SafeContents,
  id_certBag,
  id_pkcs8ShroudedKeyBag,
  id_keyBag,
} from '@peculiar/asn1-pfx';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_PBE_SHA_3DES = '1.2.840.113549.1.12.1.3';
const OID_X509_CERT = '1.2.840.113549.1.9.22.1';

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.156.10197.1.401': 'sm3',
};
const PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, string> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
};

/** Why a PKCS#12 file cannot be used; `code` picks the message shown to the user. */
export class Pkcs12Error extends Error {
  constructor(
    readonly code: 'malformed' | 'password' | 'unsupported' | 'no_key' | 'no_certificate',
    message: string,
  ) {
    super(message);
  }
}

const bytes = (ab: ArrayBuffer | ArrayBufferView) =>
  ArrayBuffer.isView(ab) ? Buffer.from(ab.buffer, ab.byteOffset, ab.byteLength) : Buffer.from(ab);

/** RFC 7292 appendix B.2: the PKCS#12 key derivation (id 1 key, 2 IV, 3 MAC key). */
function pkcs12Kdf(hash: string, password: string, salt: Buffer, id: number, iterations: number, n: number) {
  const u = crypto.createHash(hash).digest().length;
  const v = hash === 'sha384' || hash === 'sha512' ? 128 : 64;
  const pw = password.length ? Buffer.from(`${password}\0`, 'utf16le').swap16() : Buffer.alloc(0);
  const fill = (src: Buffer) =>
    src.length ? Buffer.alloc(v * Math.ceil(src.length / v), src) : Buffer.alloc(0);
  let I = Buffer.concat([fill(salt), fill(pw)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let A = crypto.createHash(hash).update(D).update(I).digest();
    for (let k = 1; k < iterations; k++) A = crypto.createHash(hash).update(A).digest();
    out.push(A);
    const B = Buffer.alloc(v, A);
    const next = Buffer.alloc(I.length);
    for (let j = 0; j < I.length / v; j++) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j * v + k]! + B[k]! + carry;
        next[j * v + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
    I = next;
  }
  return Buffer.concat(out).subarray(0, n);
}

function der(buf: Buffer): asn1js.AsnType {
  const parsed = asn1js.fromBER(new Uint8Array(buf));
  if (parsed.offset === -1) throw new Pkcs12Error('malformed', 'not a PKCS#12 file (bad DER)');
  return parsed.result;
}

const children = (n: asn1js.AsnType) => (n as asn1js.Sequence).valueBlock.value as asn1js.AsnType[];
const oidOf = (n: asn1js.AsnType) => (n as asn1js.ObjectIdentifier).valueBlock.toString();
const octets = (n: asn1js.AsnType): Buffer => {
  const o = n as asn1js.OctetString;
  // Constructed (BER) octet strings: concatenate their pieces.
  if (o.idBlock.isConstructed) return Buffer.concat(children(o).map(octets));
  return bytes(o.valueBlock.valueHexView);
};
const int = (n: asn1js.AsnType) => (n as asn1js.Integer).valueBlock.valueDec;

/** Decrypt one password-encrypted blob given its AlgorithmIdentifier (DER). */
function pbeDecrypt(algDer: Buffer, data: Buffer, password: string): Buffer {
  const [oidNode, params] = children(der(algDer));
  const oid = oidOf(oidNode!);
  let decipher: crypto.Decipher;
  if (oid === OID_PBES2) {
    const [kdf, enc] = children(params!);
    const [kdfOid, kdfParams] = children(kdf!);
    if (oidOf(kdfOid!) !== OID_PBKDF2)
      throw new Pkcs12Error('unsupported', `key derivation ${oidOf(kdfOid!)} is not supported (PBKDF2 is)`);
    const kp = children(kdfParams!);
    const salt = octets(kp[0]!);
    const iterations = int(kp[1]!);
    const prfNode = kp.find((x) => x instanceof asn1js.Sequence);
    const prf = prfNode ? PRFS[oidOf(children(prfNode)[0]!)] : 'sha1';
    const [encOid, ivNode] = children(enc!);
    const cipher = CIPHERS[oidOf(encOid!)];
    if (!prf || !cipher)
      throw new Pkcs12Error('unsupported', `encryption ${oidOf(encOid!)} is not supported (AES-CBC is)`);
    const keyLen = Number(cipher.split('-')[1]) / 8;
    const key = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLen, prf);
    decipher = crypto.createDecipheriv(cipher, key, octets(ivNode!));
  } else if (oid === OID_PBE_SHA_3DES) {
    const [saltNode, iterNode] = children(params!);
    const salt = octets(saltNode!);
    const it = int(iterNode!);
    const key = pkcs12Kdf('sha1', password, salt, 1, it, 24);
    const iv = pkcs12Kdf('sha1', password, salt, 2, it, 8);
    decipher = crypto.createDecipheriv('des-ede3-cbc', key, iv);
  } else {
    throw new Pkcs12Error(
      'unsupported',
      `the file uses encryption ${oid} (RC2/RC4, OpenSSL 1.x legacy); re-export it with AES (OpenSSL 3 default)`,
    );
  }
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new Pkcs12Error('password', 'the PKCS#12 password is not correct');
  }
}

export interface Pkcs12Contents {
  privateKey: crypto.KeyObject;
  /** Every certificate in the file, DER, in file order. */
  certificates: Buffer[];
}

export function readPkcs12(file: Buffer, password: string): Pkcs12Contents {
  let pfx: PFX;
  try {
    pfx = AsnConvert.parse(file, PFX);
  } catch {
    throw new Pkcs12Error('malformed', 'not a PKCS#12 file');
  }
  if (pfx.authSafe.contentType !== OID_DATA)
    throw new Pkcs12Error('unsupported', 'public-key protected PKCS#12 files are not supported');
  const authSafeBytes = bytes(AsnConvert.parse(pfx.authSafe.content, OctetString).buffer);
  if (!pfx.macData) throw new Pkcs12Error('unsupported', 'the PKCS#12 file has no integrity MAC');
  const hash = HASHES[pfx.macData.mac.digestAlgorithm.algorithm];
  if (!hash) throw new Pkcs12Error('unsupported', 'the PKCS#12 MAC algorithm is not supported');
  const salt = bytes(pfx.macData.macSalt.buffer);
  const macKey = pkcs12Kdf(
    hash,
    password,
    salt,
    3,
    pfx.macData.iterations ?? 1,
    crypto.createHash(hash).digest().length,
  );
  const mac = crypto.createHmac(hash, macKey).update(authSafeBytes).digest();
  const expected = bytes(pfx.macData.mac.digest.buffer);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected))
    throw new Pkcs12Error('password', 'the PKCS#12 password is not correct');

  const certificates: Buffer[] = [];
  const keys: crypto.KeyObject[] = [];
  for (const ci of AsnConvert.parse(authSafeBytes, AuthenticatedSafe)) {
    let contents: Buffer;
    if (ci.contentType === OID_DATA) {
      contents = bytes(AsnConvert.parse(ci.content, OctetString).buffer);
    } else if (ci.contentType === OID_ENCRYPTED_DATA) {
      const [, eci] = children(der(bytes(ci.content)));
      const [, alg, enc] = children(eci!);
      contents = pbeDecrypt(Buffer.from(alg!.toBER()), octets(enc!), password);
    } else {
      throw new Pkcs12Error('unsupported', `PKCS#12 content ${ci.contentType} is not supported`);
    }
    for (const bag of AsnConvert.parse(contents, SafeContents)) {
      if (bag.bagId === id_certBag) {
        const cb = AsnConvert.parse(bag.bagValue, CertBag);
        if (cb.certId === OID_X509_CERT)
          certificates.push(bytes(AsnConvert.parse(cb.certValue, OctetString).buffer));
      } else if (bag.bagId === id_pkcs8ShroudedKeyBag) {
        const epki = AsnConvert.parse(bag.bagValue, EncryptedPrivateKeyInfo);
        const pkcs8 = pbeDecrypt(
          Buffer.from(AsnConvert.serialize(epki.encryptionAlgorithm)),
          bytes(epki.encryptedData.buffer),
          password,
        );
        keys.push(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
      } else if (bag.bagId === id_keyBag) {
        keys.push(crypto.createPrivateKey({ key: bytes(bag.bagValue), format: 'der', type: 'pkcs8' }));
      }
    }
  }
  if (keys.length !== 1)
    throw new Pkcs12Error('no_key', `the file must hold exactly one private key (it holds ${keys.length})`);
  if (!certificates.length) throw new Pkcs12Error('no_certificate', 'the file holds no certificate');
  return { privateKey: keys[0]!, certificates };
}
