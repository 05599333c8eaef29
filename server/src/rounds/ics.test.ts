import { describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { calendarFile, escapeText, foldLine, utc } from './ics';
import { checkIcs } from './ics.test-helper';

/** Deterministic pseudo-random text over ASCII, separators, CJK, and astral characters (4 UTF-8 octets). */
function* texts(seed = 20261203): Generator<string> {
  const alphabet = [
    'a',
    'Z',
    ' ',
    ',',
    ';',
    '\\',
    '\n',
    ':',
    '"',
    '会',
    '诊',
    '查',
    '房',
    '·',
    '😷',
    '𠀀',
    'é',
  ];
  let x = seed;
  for (let n = 0; n < 300; n++) {
    let s = '';
    const len = n % 160;
    for (let i = 0; i < len; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      s += alphabet[x % alphabet.length];
    }
    yield s;
  }
}

describe('iCalendar writer (RFC 5545)', () => {
  it('escapes TEXT and writes UTC date-times', () => {
    expect(escapeText('a;b,c\\d\ne\r\nf')).toBe('a\\;b\\,c\\\\d\\ne\\nf');
    expect(utc(new Date('2026-12-10T01:30:05.123Z'))).toBe('20261210T013005Z');
  });

  it('folds at 75 octets without splitting a character, and unfolds to the same line', () => {
    for (const s of texts()) {
      const line = `SUMMARY:${escapeText(s)}`;
      const folded = foldLine(line);
      for (const part of folded.split('\r\n')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
      expect(folded.replace(/\r\n /g, '')).toBe(line);
      expect(Buffer.from(folded, 'utf8').toString('utf8')).toBe(folded);
    }
  });

  it('any title and description survive a parser round trip', () => {
    for (const s of texts(7)) {
      const ics = calendarFile({
        uid: 'r1@example.org',
        stamp: new Date('2026-12-03T00:00:00Z'),
        start: new Date('2026-12-10T01:30:00Z'),
        durationMinutes: 30,
        summary: s || 'x',
        description: `${s}\nhttp://127.0.0.1/rounds/r1/room`,
        url: 'http://127.0.0.1/rounds/r1/room',
        status: 'CONFIRMED',
      });
      checkIcs(ics);
      const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
      expect(event.summary).toBe((s || 'x').replace(/\r\n|\r/g, '\n'));
      expect(event.description).toBe(`${s}\nhttp://127.0.0.1/rounds/r1/room`);
      expect(event.startDate.toJSDate().toISOString()).toBe('2026-12-10T01:30:00.000Z');
    }
  });
});
