/**
 * A signer's private key at rest: PKCS#8 DER encrypted with AES-256-GCM under a key derived from the signing PIN
 * with scrypt (N=2^15, r=8, p=1, a fresh 16-byte salt). The PIN itself is never stored; a wrong PIN fails the GCM
 * tag check, which is the only way the server learns the PIN was wrong.
 */
import crypto from 'node:crypto';
import { normaliseKey } from './x509';

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface SealedKey {
  v: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

const derive = (pin: string, salt: Buffer, s: { N: number; r: number; p: number }) =>
  crypto.scryptSync(pin.normalize('NFC'), salt, 32, { ...SCRYPT, N: s.N, r: s.r, p: s.p });

export function sealKey(key: crypto.KeyObject, pin: string): SealedKey {
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', derive(pin, salt, SCRYPT), iv);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const data = Buffer.concat([cipher.update(der), cipher.final()]);
  return {
    v: 1,
    kdf: 'scrypt',
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** The private key, or null when the PIN is wrong. */
export function openKey(sealed: SealedKey, pin: string): crypto.KeyObject | null {
  const decipher = crypto.createDecipheriv(
    'aes-256-gcm',
    derive(pin, Buffer.from(sealed.salt, 'base64'), sealed),
    Buffer.from(sealed.iv, 'base64'),
  );
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  let der: Buffer;
  try {
    der = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
  return normaliseKey(crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}
