import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchStep, newSecret, otpauthUri, stepAt } from './totp';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890", 8-digit codes.
const SEED = Buffer.from('12345678901234567890');
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(VECTORS)('matches the RFC 6238 test vector at T=%i', (t, code) => {
    expect(hotp(SEED, Math.floor(t / 30), 8)).toBe(code);
  });

  it('matches the RFC 4226 HOTP vectors', () => {
    const rfc4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583'];
    rfc4226.forEach((code, counter) => expect(hotp(SEED, counter)).toBe(code));
  });

  it('round-trips base32 (RFC 4648 vectors) and makes 160-bit secrets', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(base32Decode(newSecret())).toHaveLength(20);
    expect(() => base32Decode('ABC1')).toThrow(/base32/);
  });

  it('accepts the current step and one either side, nothing further or malformed', () => {
    const secret = newSecret();
    const key = base32Decode(secret);
    const now = 1_800_000_000_000;
    const s = stepAt(now);
    for (const d of [-1, 0, 1]) expect(matchStep(secret, hotp(key, s + d), now)).toBe(s + d);
    for (const d of [-3, -2, 2, 3]) expect(matchStep(secret, hotp(key, s + d), now)).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456'])
      expect(matchStep(secret, bad, now)).toBeNull();
  });

  it('writes a Key Uri an authenticator app reads', () => {
    const uri = new URL(otpauthUri('JBSWY3DPEHPK3PXP', '远程会诊', 'pku.cardio'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/远程会诊:pku.cardio');
    expect(uri.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});
