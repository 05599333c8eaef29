import { useState } from 'react';
import { Link } from 'react-router';
import { ageOn, type OverdueList } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import './messages';

/** Cases whose follow-up is past due, per hospital, most overdue first; poverty-registered households flagged. */
export function OverduePage() {
  const { t } = useI18n();
  const [poorOnly, setPoorOnly] = useState(false);
  const url = `/api/follow-ups/overdue${poorOnly ? '?povertyRegistered=true' : ''}`;
  const state = useAsync(() => get<OverdueList>(url), [url]);
  const today = new Date().toISOString().slice(0, 10);
  return (
    <section>
      <PageHeader title={t('patients.overdueTitle')} />
      <div className="card form-row" style={{ marginTop: 0 }}>
        <label style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
          <input type="checkbox" checked={poorOnly} onChange={(e) => setPoorOnly(e.target.checked)} />{' '}
          {t('patients.filter.poverty')}
        </label>
      </div>
      <Loadable state={state}>
        {({ items }) => {
          if (items.length === 0) return <p className="muted card">{t('patients.overdue.empty')}</p>;
          const hospitals = [...new Set(items.map((i) => i.hospitalName))];
          return (
            <>
              {hospitals.map((h) => (
                <div className="card" key={h}>
                  <h2>{h}</h2>
                  <table className="table" data-testid="overdue-list">
                    <thead>
                      <tr>
                        <th>{t('patients.name')}</th>
                        <th>{t('patients.sex')}</th>
                        <th>{t('patients.age')}</th>
                        <th>{t('patients.village')}</th>
                        <th>{t('patients.phone')}</th>
                        <th>{t('patients.overdue.case')}</th>
                        <th>{t('patients.overdue.due')}</th>
                        <th>{t('patients.overdue.last')}</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody>
                      {items
                        .filter((i) => i.hospitalName === h)
                        .map((i) => (
                          <tr key={i.caseId} data-testid="overdue-row">
                            <td>
                              <Link to={`/patients/${i.patientId}`}>{i.patientName}</Link>
                            </td>
                            <td>{t(`patients.sex.${i.sex}`)}</td>
                            <td>{ageOn(i.birthDate, today)}</td>
                            <td>{i.village ?? ''}</td>
                            <td>{i.phone ?? ''}</td>
                            <td>
                              {i.icd10} · {i.diagnosis}
                            </td>
                            <td>{i.dueDate}</td>
                            <td>{i.lastFollowUpDate ?? '—'}</td>
                            <td>
                              <span className="badge badge-emergency">
                                {t('patients.overdue.days', { n: i.daysOverdue })}
                              </span>{' '}
                              {i.povertyRegistered && (
                                <span className="badge" data-testid="poverty-flag">
                                  {t('patients.filter.poverty')}
                                </span>
                              )}{' '}
                              {i.caseStatus === 'chronic' && (
                                <span className="badge">{t('patients.filter.chronic')}</span>
                              )}
                            </td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                </div>
              ))}
            </>
          );
        }}
      </Loadable>
    </section>
  );
}
