import { useState } from 'react';
import type { Report, ReportDiff } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';
import { diffReport } from './api';

/** Every signed version, newest first; each amendment can be compared with the version before it. */
export function VersionHistory({ report }: { report: Report }) {
  const { t, dt } = useI18n();
  const [diffs, setDiffs] = useState<Record<number, ReportDiff>>({});
  const [error, setError] = useState<unknown>(null);
  const show = async (v: number) => {
    try {
      const d = await diffReport(report.id, v - 1, v);
      setDiffs((x) => ({ ...x, [v]: d }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card version-history">
      <h2>{t('reports.history')}</h2>
      <ErrorText error={error} />
      <ol reversed className="plain-list">
        {[...report.versions].reverse().map((v) => (
          <li key={v.version} data-version={v.version}>
            <strong>{t('reports.version', { n: v.version })}</strong> ·{' '}
            {t('reports.signedBy', { name: v.signerName, time: dt(v.signedAt) })}
            {v.amendmentReason && <div>{t('reports.amendment.reason', { reason: v.amendmentReason })}</div>}
            {v.version > 1 && !diffs[v.version] && (
              <button type="button" className="btn btn-small" onClick={() => void show(v.version)}>
                {t('reports.history.compare')}
              </button>
            )}
            {diffs[v.version] &&
              (diffs[v.version]!.changes.length === 0 ? (
                <p className="muted">{t('reports.history.noChanges')}</p>
              ) : (
                <table className="table table-dense diff">
                  <thead>
                    <tr>
                      <th>{t('reports.diff.field')}</th>
                      <th>{t('reports.diff.before')}</th>
                      <th>{t('reports.diff.after')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {diffs[v.version]!.changes.map((c) => (
                      <tr key={c.path}>
                        <td className="mono">{c.path}</td>
                        <td className="diff-before">{c.before ?? '—'}</td>
                        <td className="diff-after">{c.after ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
          </li>
        ))}
      </ol>
    </section>
  );
}
