import { localDateTime, type Report } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import './messages';

/** Report times in the report's zone (REPORT_TIME_ZONE on the server, Asia/Shanghai by default), zone named. */
export function useReportTime(timeZone: string): (iso: string | null | undefined) => string {
  const { t } = useI18n();
  const zone = timeZone === 'Asia/Shanghai' ? t('reports.tz.shanghai') : timeZone;
  return (iso) => (iso ? `${localDateTime(iso, timeZone)} (${zone})` : '—');
}

/** Who the report is about and its number, as the county doctor files it. */
export function PatientHeader({ report }: { report: Report }) {
  const { t, locale } = useI18n();
  const p = report.patient;
  return (
    <section className="card report-patient" data-testid="report-patient-header">
      <dl className="kv">
        <dt>{t('reports.header.number')}</dt>
        <dd className="mono" data-testid="report-number">
          {report.reportNumber ?? t('reports.header.unnumbered')}
        </dd>
        <dt>{t('reports.header.name')}</dt>
        <dd>{p.name}</dd>
        <dt>{t('reports.header.sexAge')}</dt>
        <dd>
          {t(`reports.header.sex.${p.sex}`)} · {t('reports.header.age', { n: p.ageYears })}
        </dd>
        <dt>{t('reports.header.nationalId')}</dt>
        <dd className="mono">{p.nationalIdMasked ?? '—'}</dd>
        <dt>{t('reports.header.recordNumber')}</dt>
        <dd className="mono">{p.recordNumber ?? '—'}</dd>
        <dt>{t('reports.header.hospital')}</dt>
        <dd>{locale === 'zh-CN' ? p.hospitalZh : p.hospitalEn}</dd>
      </dl>
    </section>
  );
}
