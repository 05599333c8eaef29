import type { MySigningKey, SignerCa, SignerKey } from '@consult/shared';
import { get, post } from '../../app/api';

export const mySigningKey = () => get<MySigningKey>('/api/signers/me');
export const enrolSigningKey = (pin: string) => post<SignerKey>('/api/signers/me/enrol', { pin });
export const importPkcs12 = (pkcs12Base64: string, password: string, pin: string) =>
  post<SignerKey>('/api/signers/me/import', { pkcs12Base64, password, pin });
export const revokeSigningKey = (id: string, reason: string) =>
  post<SignerKey>(`/api/signers/keys/${id}/revoke`, { reason });
export const internalCa = () => get<SignerCa>('/api/signers/ca');

/** A File's bytes as base64 (for the PKCS#12 upload). */
export async function fileBase64(f: File): Promise<string> {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
