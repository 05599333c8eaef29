/** Strict RFC 5545 checks of an iCalendar text, beyond what a lenient parser accepts. */
import { expect } from 'vitest';

export function checkIcs(body: string): string[] {
  // §3.1: CRLF line ends only; 75 octets at most per line; continuation lines begin with one space.
  expect(body.endsWith('\r\n')).toBe(true);
  expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  expect(body).not.toContain('\uFFFD');
  const physical = body.slice(0, -2).split('\r\n');
  for (const line of physical) expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
  const lines: string[] = [];
  for (const line of physical) {
    if (line.startsWith(' ')) lines[lines.length - 1] += line.slice(1);
    else lines.push(line);
  }
  for (const line of lines) expect(line, 'a content line is name[;params]:value').toMatch(/^[A-Z-]+[;:]/);
  expect(lines[0]).toBe('BEGIN:VCALENDAR');
  expect(lines.at(-1)).toBe('END:VCALENDAR');
  expect(lines).toContain('VERSION:2.0');
  expect(lines.some((l) => l.startsWith('PRODID:'))).toBe(true);
  const event = lines.slice(lines.indexOf('BEGIN:VEVENT'), lines.indexOf('END:VEVENT'));
  for (const name of ['UID', 'DTSTAMP', 'DTSTART', 'SUMMARY', 'URL'])
    expect(
      event.filter((l) => l.startsWith(`${name}:`)),
      name,
    ).toHaveLength(1);
  for (const name of ['DTSTAMP', 'DTSTART', 'DTEND'])
    expect(event.find((l) => l.startsWith(`${name}:`))).toMatch(new RegExp(`^${name}:\\d{8}T\\d{6}Z$`));
  // TEXT values: every `;` `,` `\` escaped, no raw line break (§3.3.11).
  for (const l of event.filter((x) => /^(SUMMARY|DESCRIPTION):/.test(x))) {
    const v = l.slice(l.indexOf(':') + 1);
    expect(v.replace(/\\[\\;,nN]/g, '')).not.toMatch(/[\\;,]/);
  }
  return lines;
}
