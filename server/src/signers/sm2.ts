/**
 * SM2 signatures (GM/T 0003.2) with SM3 and an explicit distinguishing ID, default "1234567812345678" (GM/T 0009).
 *
 * Why not crypto.sign('sm3', …) alone: node cannot set the SM2 ID, and OpenSSL 3 then uses an EMPTY ID, so its
 * signatures do not verify for GM/T 0009 verifiers (openssl pkeyutl … -pkeyopt distid:1234567812345678, BouncyCastle,
 * hardware keys). So the hash is computed here: e = SM3(Z_A ‖ M), Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA),
 * and the SM2 equations run on the audited @noble/curves point arithmetic (constant-time scalar multiplication by
 * the secret nonce; modular inversion with invertCt). SM3 is node's (OpenSSL). Signatures are DER SEQUENCE{r, s}.
 */
import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { invertCt, mod } from '@noble/curves/abstract/modular.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';

export const SM2_DEFAULT_ID = '1234567812345678';

const hex = (s: string) => BigInt(`0x${s}`);
const CURVE = {
  p: hex('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF'),
  n: hex('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123'),
  h: 1n,
  a: hex('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC'),
  b: hex('28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93'),
  Gx: hex('32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
  Gy: hex('BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
};
const Point = weierstrass(CURVE);
const { n } = CURVE;

const be32 = (x: bigint) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
const toInt = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const sm3 = (...parts: Uint8Array[]) => {
  const h = crypto.createHash('sm3');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The public point of an SM2 key: the uncompressed point ending its SubjectPublicKeyInfo. */
function publicPoint(key: crypto.KeyObject) {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  const spki = AsnConvert.parse(pub.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  return Point.fromBytes(new Uint8Array(spki.subjectPublicKey));
}

/** The private scalar d of an SM2 key: PKCS#8 → SEC1 ECPrivateKey → privateKey. */
function privateScalar(key: crypto.KeyObject): bigint {
  const pki = AsnConvert.parse(key.export({ type: 'pkcs8', format: 'der' }), PrivateKeyInfo);
  const sec1 = asn1js.fromBER(new Uint8Array(pki.privateKey.buffer)).result as asn1js.Sequence;
  return toInt((sec1.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView);
}

/** e = SM3(Z_A ‖ M) as an integer. */
function digest(pubPoint: ReturnType<typeof publicPoint>, message: Buffer, id: string): bigint {
  const idb = Buffer.from(id, 'utf8');
  const entl = Buffer.from([(idb.length * 8) >> 8, (idb.length * 8) & 0xff]);
  const { x, y } = pubPoint.toAffine();
  const z = sm3(entl, idb, be32(CURVE.a), be32(CURVE.b), be32(CURVE.Gx), be32(CURVE.Gy), be32(x), be32(y));
  return toInt(sm3(z, message));
}

function randomScalar(): bigint {
  for (;;) {
    const k = toInt(crypto.randomBytes(32));
    if (k >= 1n && k < n) return k;
  }
}

export function sm2Sign(key: crypto.KeyObject, message: Buffer, id = SM2_DEFAULT_ID): Buffer {
  const d = privateScalar(key);
  const e = digest(publicPoint(key), message, id);
  const dInv = invertCt(mod(1n + d, n), n);
  for (;;) {
    const k = randomScalar();
    const x1 = Point.BASE.multiply(k).toAffine().x;
    const r = mod(e + x1, n);
    if (r === 0n || r + k === n) continue;
    const s = mod(dInv * mod(k - r * d, n), n);
    if (s === 0n) continue;
    const seq = new asn1js.Sequence({
      value: [asn1js.Integer.fromBigInt(r), asn1js.Integer.fromBigInt(s)],
    });
    return Buffer.from(seq.toBER());
  }
}

export function sm2Verify(
  key: crypto.KeyObject,
  message: Buffer,
  signature: Buffer,
  id = SM2_DEFAULT_ID,
): boolean {
  try {
    const parsed = asn1js.fromBER(new Uint8Array(signature));
    if (parsed.offset !== signature.length) return false;
    const [ri, si] = (parsed.result as asn1js.Sequence).valueBlock.value as asn1js.Integer[];
    const r = ri!.toBigInt();
    const s = si!.toBigInt();
    if (r < 1n || r >= n || s < 1n || s >= n) return false;
    const t = mod(r + s, n);
    if (t === 0n) return false;
    const P = publicPoint(key);
    const e = digest(P, message, id);
    const x1 = Point.BASE.multiply(s).add(P.multiply(t)).toAffine().x;
    return mod(e + x1, n) === r;
  } catch {
    return false;
  }
}
