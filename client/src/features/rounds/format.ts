import type { Locale, RoundPerson } from '@consult/shared';

export const hospitalName = (
  p: Pick<RoundPerson, 'hospitalNameZh' | 'hospitalNameEn'>,
  locale: Locale,
): string => (locale === 'zh-CN' ? p.hospitalNameZh : p.hospitalNameEn) ?? '';

export const formatBytes = (n: number): string =>
  n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
