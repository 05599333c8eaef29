import type { ReportVersion } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';
import { KeyImageCard } from './KeyImageCard';
import { useKeyImageStudies } from './keyImageData';
import { useReportTime } from './PatientHeader';
import { trustedTimeMessage } from './trustedTime';

/** A signed version, read-only; key images as pictures with their marks. */
export function ReportView({
  v,
  consultationId,
  timeZone,
}: {
  v: ReportVersion;
  consultationId: string;
  timeZone: string;
}) {
  const { t, locale } = useI18n();
  const time = useReportTime(timeZone);
  const c = v.content;
  const imaging = useKeyImageStudies(
    consultationId,
    c.keyImages.map((k) => k.studyInstanceUid),
  );
  const r = c.recommendations;
  const trusted = trustedTimeMessage(
    v.timestamp,
    timeZone,
    timeZone === 'Asia/Shanghai' ? t('reports.tz.shanghai') : timeZone,
  );
  const text = (s: string) => (s.trim() ? s : t('reports.empty'));
  return (
    <article className="report-view" data-version={v.version}>
      <p className="muted">
        {t('reports.version', { n: v.version })} ·{' '}
        {t('reports.signedBy', { name: v.signerName, time: time(v.signedAt) })}
      </p>
      {v.amendmentReason && (
        <p className="alert">{t('reports.amendment.reason', { reason: v.amendmentReason })}</p>
      )}
      <h3>{t('reports.field.findings')}</h3>
      <p className="prewrap">{text(c.findings)}</p>
      <h3>{t('reports.field.impression')}</h3>
      <p className="prewrap">{text(c.impression)}</p>
      <h3>{t('reports.field.diagnoses')}</h3>
      <ul className="plain-list diagnoses">
        {c.diagnoses.map((d) => (
          <li key={d.code}>
            <span className="mono">{d.code}</span> {locale === 'zh-CN' ? d.titleZh : d.titleEn}
            {d.primary && <span className="badge">{t('reports.field.primary')}</span>}
          </li>
        ))}
      </ul>
      <h3>{t('reports.field.treatmentPlan')}</h3>
      <p className="prewrap">{text(r.treatmentPlan)}</p>
      {r.referral && (
        <p>
          <strong>{t('reports.referral.yes')}</strong>
          {r.referralNote ? `: ${r.referralNote}` : ''}
        </p>
      )}
      {r.followUpIntervalDays && <p>{t('reports.followUp.days', { n: r.followUpIntervalDays })}</p>}
      {c.keyImages.length > 0 && (
        <>
          <h3>{t('reports.field.keyImages')}</h3>
          <ErrorText error={imaging.error} />
          <div className="key-image-grid">
            {c.keyImages.map((k, i) => (
              <KeyImageCard key={i} k={k} study={imaging.data?.byUid.get(k.studyInstanceUid)} />
            ))}
          </div>
        </>
      )}
      <p className="muted small">
        {t('reports.fingerprint')}:{' '}
        <span className="mono">{v.keyFingerprint.slice(0, 32).match(/.{4}/g)?.join(' ')}</span>
      </p>
      <p
        className={`small ${v.timestamp.status === 'granted' ? 'muted' : 'alert'}`}
        data-testid="report-trusted-time"
        data-status={v.timestamp.status}
      >
        {t(trusted.key, trusted.vars)}
      </p>
    </article>
  );
}
