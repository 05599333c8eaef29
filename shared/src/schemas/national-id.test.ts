import { describe, expect, it } from 'vitest';
import { checkNationalId, nationalIdBirthDate, nationalIdCheckChar } from './patients';

/**
 * GB 11643-1999 resident ID numbers, as a matrix of generated numbers: every valid one is accepted; changing any
 * single one of the first 17 digits, or the check character, is always caught (the MOD 11-2 code detects every
 * single-digit error); impossible birth dates and wrong shapes are refused with their own fault.
 */
const TODAY = new Date('2026-12-03T00:00:00Z');

// A small deterministic generator (no randomness in tests: failures reproduce).
function* ids(n: number): Generator<string> {
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < n; i++) {
    const area = String(110000 + (next() % 540000)).padStart(6, '0');
    const y = 1901 + (next() % 125);
    const m = 1 + (next() % 12);
    const d = 1 + (next() % 28);
    const seq = String(next() % 1000).padStart(3, '0');
    const first17 = `${area}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${seq}`;
    yield first17 + nationalIdCheckChar(first17);
  }
}

describe('national ID (GB 11643-1999)', () => {
  it('accepts known-good numbers, X in either case', () => {
    expect(checkNationalId('11010519491231002X', TODAY)).toBeNull();
    expect(checkNationalId('11010519491231002x', TODAY)).toBeNull();
    expect(checkNationalId('410225195608091025', TODAY)).toBeNull();
    expect(nationalIdBirthDate('410225195608091025')).toBe('1956-08-09');
  });

  it('accepts every generated valid number and catches every single-character error', () => {
    let checked = 0;
    for (const id of ids(300)) {
      expect(checkNationalId(id, TODAY), id).toBeNull();
      for (let pos = 0; pos < 18; pos++) {
        const alphabet = pos === 17 ? '0123456789X' : '0123456789';
        for (const c of alphabet) {
          if (c === id[pos]) continue;
          const bad = id.slice(0, pos) + c + id.slice(pos + 1);
          const fault = checkNationalId(bad, TODAY);
          expect(fault, bad).not.toBeNull();
          // A changed birth-date digit may also make the date impossible; any other change is the check digit.
          if (pos < 6 || pos >= 14) expect(fault, bad).toBe('check_digit');
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300 * 17 * 9);
  });

  it('refuses impossible or future birth dates', () => {
    for (const date of ['19560230', '19561301', '19560000', '18991231', '20270101', '20261204']) {
      const first17 = `410225${date}102`;
      expect(checkNationalId(first17 + nationalIdCheckChar(first17), TODAY), date).toBe('birth_date');
    }
    const leap = '410225200002291023'.slice(0, 17);
    expect(checkNationalId(leap + nationalIdCheckChar(leap), TODAY)).toBeNull();
    const notLeap = '410225190002291023'.slice(0, 17);
    expect(checkNationalId(notLeap + nationalIdCheckChar(notLeap), TODAY)).toBe('birth_date');
  });

  it('refuses the wrong shape', () => {
    for (const bad of [
      '',
      '12345',
      '41022519560809102',
      '4102251956080910255',
      '41022519560809102Y',
      'X10225195608091025',
      '410225 95608091025',
      '410225156080910',
    ]) {
      expect(checkNationalId(bad, TODAY), bad).toBe('format');
    }
  });
});
