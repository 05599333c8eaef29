import { useState } from 'react';
import type { Report } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useReportTime } from './PatientHeader';
import { readableDiff } from './readableDiff';

/** Every signed version, newest first; each amendment can be compared with the version before it. */
export function VersionHistory({ report }: { report: Report }) {
  const { t, locale } = useI18n();
  const time = useReportTime(report.timeZone);
  const [open, setOpen] = useState<number[]>([]);
  const byVersion = new Map(report.versions.map((v) => [v.version, v]));
  return (
    <section className="card version-history">
      <h2>{t('reports.history')}</h2>
      <ol reversed className="plain-list">
        {[...report.versions].reverse().map((v) => {
          const prev = byVersion.get(v.version - 1);
          const changes =
            prev && open.includes(v.version) ? readableDiff(prev.content, v.content, t, locale) : null;
          return (
            <li key={v.version} data-version={v.version}>
              <strong>{t('reports.version', { n: v.version })}</strong> ·{' '}
              {t('reports.signedBy', { name: v.signerName, time: time(v.signedAt) })}
              {v.amendmentReason && <div>{t('reports.amendment.reason', { reason: v.amendmentReason })}</div>}
              {prev && !changes && (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => setOpen((o) => [...o, v.version])}
                >
                  {t('reports.history.compare')}
                </button>
              )}
              {changes &&
                (changes.length === 0 ? (
                  <p className="muted">{t('reports.history.noChanges')}</p>
                ) : (
                  <table className="table table-dense diff" data-testid="report-diff">
                    <thead>
                      <tr>
                        <th>{t('reports.diff.field')}</th>
                        <th>{t('reports.diff.before')}</th>
                        <th>{t('reports.diff.after')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {changes.map((c) => (
                        <tr key={c.fieldKey}>
                          <td>{t(c.fieldKey)}</td>
                          <td className="diff-before prewrap">{c.before || '—'}</td>
                          <td className="diff-after prewrap">{c.after || '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ))}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
