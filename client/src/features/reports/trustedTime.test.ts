import { describe, expect, it } from 'vitest';
import { translate } from '../../app/i18n';
import { trustedTimeMessage } from './trustedTime';
import './messages';

describe('trusted time of a signed version', () => {
  const say = (m: ReturnType<typeof trustedTimeMessage>, locale: 'zh-CN' | 'en') =>
    translate(locale, m.key, m.vars);

  it('shows the TSA time to the second in the report zone, and its authority', () => {
    const m = trustedTimeMessage(
      { status: 'granted', time: '2026-12-03T07:05:09.000Z', tsa: 'CN=Some TSA', error: null },
      'Asia/Shanghai',
      '北京时间',
    );
    expect(say(m, 'zh-CN')).toBe('可信时间：2026-12-03 15:05:09 (北京时间)，由 CN=Some TSA 签发（RFC 3161）');
    expect(say(m, 'en')).toContain('2026-12-03 15:05:09');
  });

  it('says pending, failed and no trusted timestamp in both languages', () => {
    const base = { time: null, tsa: null, error: null };
    for (const locale of ['zh-CN', 'en'] as const) {
      expect(say(trustedTimeMessage({ ...base, status: 'none' }, 'UTC', 'UTC'), locale)).toBe(
        locale === 'zh-CN' ? '无可信时间戳' : 'No trusted timestamp',
      );
      expect(say(trustedTimeMessage({ ...base, status: 'pending' }, 'UTC', 'UTC'), locale)).toMatch(
        locale === 'zh-CN' ? /时间戳待获取/ : /Timestamp pending/,
      );
      expect(
        say(trustedTimeMessage({ ...base, status: 'failed', error: 'TSA down' }, 'UTC', 'UTC'), locale),
      ).toContain('TSA down');
    }
  });
});
