import { Link } from 'react-router';
import type { ReportListItem } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import { useSocketEvent } from '../../app/socket';
import { useCallback } from 'react';

/** `/reports`: what to act on first — reports to acknowledge (county) or to finish (consultant). */
export function ReportListPage() {
  const { t, dt, locale } = useI18n();
  const state = useAsync(() => get<ReportListItem[]>('/api/reports'), []);
  const reload = state.reload;
  useSocketEvent(
    'entity:changed',
    useCallback((e: { entityType: string }) => e.entityType === 'report' && reload(), [reload]),
  );
  return (
    <div className="reports-page">
      <PageHeader title={t('reports.list.title')} />
      <Loadable state={state}>
        {(rows) =>
          rows.length === 0 ? (
            <p className="card muted">{t('reports.list.empty')}</p>
          ) : (
            <table className="table" data-testid="report-list">
              <thead>
                <tr>
                  <th>{t('reports.list.patient')}</th>
                  <th>{t('reports.list.hospital')}</th>
                  <th>{t('reports.field.diagnoses')}</th>
                  <th>{t('reports.list.status')}</th>
                  <th>{t('reports.list.author')}</th>
                  <th>{t('reports.list.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/consultations/${r.consultationId}/report`}>{r.patientName}</Link>
                    </td>
                    <td>{locale === 'zh-CN' ? r.requestingHospitalZh : r.requestingHospitalEn}</td>
                    <td>{r.primaryDiagnosis ?? '—'}</td>
                    <td>
                      <span className={`badge status-${r.status}`}>{t(`reports.status.${r.status}`)}</span>
                      {r.currentVersion > 0 && <> {t('reports.version', { n: r.currentVersion })}</>}
                    </td>
                    <td>{r.authorName}</td>
                    <td>{dt(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loadable>
    </div>
  );
}
