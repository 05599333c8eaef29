/**
 * An iCalendar (RFC 5545) file for one round, to put the invitation in any calendar: one VEVENT with a stable
 * UID, DTSTAMP/DTSTART/DTEND in UTC, SUMMARY, DESCRIPTION and the join link as URL. Lines end in CRLF and are
 * folded at 75 octets without splitting a UTF-8 character (§3.1); TEXT values escape backslash, semicolon,
 * comma and line breaks (§3.3.11).
 */

/** §3.3.11 TEXT: `\` `;` `,` escaped, line breaks as `\n`. */
export function escapeText(v: string): string {
  return v
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** §3.1: content lines longer than 75 octets continue on lines starting with one space. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    if (octets + n > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

/** §3.3.5 DATE-TIME in UTC ("form #2"): 19970714T173000Z. */
export const utc = (d: Date) =>
  d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

export interface CalendarEvent {
  uid: string;
  stamp: Date;
  start: Date;
  durationMinutes: number;
  summary: string;
  description: string;
  /** The join link (a URI value: not TEXT-escaped). */
  url: string;
  status: 'CONFIRMED' | 'CANCELLED';
}

/** The whole file: VCALENDAR with one VEVENT. */
export function calendarFile(e: CalendarEvent): string {
  const end = new Date(e.start.getTime() + e.durationMinutes * 60_000);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Consult Platform//Video ward rounds//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `DTSTAMP:${utc(e.stamp)}`,
    `DTSTART:${utc(e.start)}`,
    `DTEND:${utc(end)}`,
    `SUMMARY:${escapeText(e.summary)}`,
    `DESCRIPTION:${escapeText(e.description)}`,
    `URL:${e.url}`,
    `STATUS:${e.status}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
