import type { ReportVerifyResult } from '@consult/shared';
import { useI18n } from '../../app/i18n';

/**
 * The verification result: overall, then per version who signed (certificate subject, issuer, algorithm, validity,
 * or the deployment key) and which checks failed, each by name with the server's explanation.
 */
export function VerificationView({ result }: { result: ReportVerifyResult }) {
  const { t, locale } = useI18n();
  const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(locale) : '—');
  return (
    <div
      className={`alert ${result.ok ? 'alert-ok' : 'alert-error'}`}
      role="status"
      data-testid="verify-result"
    >
      <p>
        {result.ok
          ? t('reports.verify.ok', { n: result.versions.length })
          : t('reports.verify.failed', {
              reasons: result.versions
                .filter((v) => !v.ok)
                .map((v) => `v${v.version}: ${v.reason}`)
                .join('; '),
            })}
      </p>
      <ul className="verify-versions">
        {result.versions.map((v) => (
          <li key={v.version} data-testid={`verify-v${v.version}`}>
            <strong>{t('reports.version', { n: v.version })}</strong>{' '}
            {v.signer?.deploymentKey && <span>{t('reports.verify.deploymentKey')}</span>}
            {v.signer && !v.signer.deploymentKey && (
              <span data-testid="verify-signer">
                {t('reports.verify.signer', {
                  subject: v.signer.subject ?? '',
                  issuer: v.signer.issuer ?? '',
                  algorithm: v.signer.algorithm,
                  from: when(v.signer.notBefore),
                  to: when(v.signer.notAfter),
                })}
              </span>
            )}
            {v.checks
              .filter((c) => !c.ok)
              .map((c) => (
                <div key={c.check} data-testid="verify-failed-check">
                  {t('reports.verify.checkFailed', {
                    check: t(`reports.verify.check.${c.check}`),
                    detail: c.detail ?? '',
                  })}
                </div>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
