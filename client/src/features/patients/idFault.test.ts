import { describe, expect, it } from 'vitest';
import { nationalIdCheckChar } from '@consult/shared';
import { allMessages } from '../../app/i18n';
import { idFaultKey } from './PatientForm';
import './messages';

describe('national ID as typed in the patient form', () => {
  const first17 = '41022519560809102';
  const good = first17 + nationalIdCheckChar(first17);
  it('names each fault with a message in both languages', () => {
    const cases: [string, string, string | null][] = [
      ['', '1956-08-09', null],
      [good, '1956-08-09', null],
      [good.toLowerCase(), '', null],
      [
        `${first17}${nationalIdCheckChar(first17) === '0' ? '1' : '0'}`,
        '1956-08-09',
        'patients.idFault.check_digit',
      ],
      ['4102251956', '1956-08-09', 'patients.idFault.format'],
      [good, '1956-08-10', 'patients.idFault.mismatch'],
    ];
    const { 'zh-CN': zh, en } = allMessages();
    for (const [id, birth, key] of cases) {
      expect(idFaultKey(id, birth), id).toBe(key);
      if (key) expect(zh[key] && en[key], key).toBeTruthy();
    }
    const badDate = '41022519560230102';
    expect(idFaultKey(badDate + nationalIdCheckChar(badDate), '')).toBe('patients.idFault.birth_date');
  });
});
