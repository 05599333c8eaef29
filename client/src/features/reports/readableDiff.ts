import type { Locale, ReportContent } from '@consult/shared';

/** One changed field between two signed versions, as a reader sees it. */
export interface ReadableChange {
  /** i18n key of the field's name. */
  fieldKey: string;
  before: string;
  after: string;
}

type T = (key: string, vars?: Record<string, string | number>) => string;

/**
 * What changed between two versions, field by field in the user's language: texts as written, diagnoses and key
 * images as lists, yes/no and day counts as words (the server's diff speaks in JSON paths such as
 * `diagnoses[0].code`; this reads the two signed contents the report already carries).
 */
export function readableDiff(a: ReportContent, b: ReportContent, t: T, locale: Locale): ReadableChange[] {
  const dx = (c: ReportContent) =>
    c.diagnoses
      .map(
        (d) =>
          `${d.code} ${locale === 'zh-CN' ? d.titleZh : d.titleEn}${d.primary ? ` (${t('reports.field.primary')})` : ''}`,
      )
      .join('\n');
  const keys = (c: ReportContent) =>
    c.keyImages
      .map(
        (k, i) =>
          `${i + 1}. ${k.caption || '—'} · ${t('reports.diff.frame', { n: k.frame })} · ${t('reports.diff.marks', { n: k.annotationIds.length })}`,
      )
      .join('\n');
  const days = (n: number | null) => (n ? t('reports.followUp.days', { n }) : '');
  const yes = (v: boolean) => (v ? t('common.yes') : t('common.no'));
  const fields: [string, (c: ReportContent) => string][] = [
    ['reports.field.findings', (c) => c.findings.trim()],
    ['reports.field.impression', (c) => c.impression.trim()],
    ['reports.field.diagnoses', dx],
    ['reports.field.treatmentPlan', (c) => c.recommendations.treatmentPlan.trim()],
    ['reports.field.referral', (c) => yes(c.recommendations.referral)],
    ['reports.field.referralNote', (c) => c.recommendations.referralNote.trim()],
    ['reports.field.followUp', (c) => days(c.recommendations.followUpIntervalDays)],
    ['reports.field.keyImages', keys],
  ];
  return fields
    .map(([fieldKey, f]) => ({ fieldKey, before: f(a), after: f(b) }))
    .filter((c) => c.before !== c.after);
}
