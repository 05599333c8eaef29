import { localDateTime, type ReportTimestamp } from '@consult/shared';

/** The message (key and values) that says a signed version's RFC 3161 trusted time, in the report's zone. */
export function trustedTimeMessage(
  ts: ReportTimestamp,
  timeZone: string,
  zoneName: string,
): { key: string; vars?: Record<string, string> } {
  switch (ts.status) {
    case 'granted':
      return {
        key: 'reports.timestamp.granted',
        vars: { time: `${localDateTime(ts.time!, timeZone, true)} (${zoneName})`, tsa: ts.tsa ?? '' },
      };
    case 'pending':
      return { key: 'reports.timestamp.pending' };
    case 'failed':
      return { key: 'reports.timestamp.failed', vars: { error: ts.error ?? '' } };
    default:
      return { key: 'reports.timestamp.none' };
  }
}
