import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Permission, type PatientPage } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import './messages';

/** Search and filter the patient files I may see. */
export function PatientListPage() {
  const { t } = useI18n();
  const { allowed } = useSession();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [filters, setFilters] = useState({ povertyRegistered: false, chronic: false, overdue: false });
  const qs = new URLSearchParams({ limit: '200' });
  if (q.trim()) qs.set('q', q.trim());
  for (const [k, v] of Object.entries(filters)) if (v) qs.set(k, 'true');
  const url = `/api/patients?${qs}`;
  const state = useAsync(() => get<PatientPage>(url), [url]);
  return (
    <section>
      <PageHeader
        title={t('patients.title')}
        actions={
          allowed(Permission.PatientsWrite) ? (
            <Link className="btn btn-primary" to="/patients/new" data-testid="new-patient">
              {t('patients.new')}
            </Link>
          ) : undefined
        }
      />
      <div className="card form-row" style={{ marginTop: 0 }}>
        <input
          type="search"
          name="q"
          placeholder={t('patients.search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          aria-label={t('patients.search')}
        />
        {(['povertyRegistered', 'chronic', 'overdue'] as const).map((k) => (
          <label key={k}>
            <input
              type="checkbox"
              checked={filters[k]}
              onChange={(e) => setFilters({ ...filters, [k]: e.target.checked })}
            />{' '}
            {t(`patients.filter.${k === 'povertyRegistered' ? 'poverty' : k}`)}
          </label>
        ))}
      </div>
      <div className="card">
        <Loadable state={state}>
          {(page) =>
            page.items.length === 0 ? (
              <p className="muted">{t('patients.empty')}</p>
            ) : (
              <table className="table" data-testid="patient-list">
                <thead>
                  <tr>
                    <th>{t('patients.name')}</th>
                    <th>{t('patients.sex')}</th>
                    <th>{t('patients.birthDate')}</th>
                    <th>{t('patients.recordNumber')}</th>
                    <th>{t('patients.nationalId')}</th>
                    <th>{t('patients.village')}</th>
                    <th>{t('patients.caseCount')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((p) => (
                    <tr
                      key={p.id}
                      onClick={() => navigate(`/patients/${p.id}`)}
                      style={{ cursor: 'pointer' }}
                      data-testid="patient-row"
                    >
                      <td>
                        <Link to={`/patients/${p.id}`}>{p.name}</Link>
                      </td>
                      <td>{t(`patients.sex.${p.sex}`)}</td>
                      <td>{p.birthDate}</td>
                      <td className="mono">{p.recordNumber ?? '—'}</td>
                      <td className="mono">{p.nationalId ?? '—'}</td>
                      <td>{p.village ?? ''}</td>
                      <td>{p.caseCount}</td>
                      <td>
                        {p.povertyRegistered && (
                          <span className="badge" data-testid="poverty-flag">
                            {t('patients.filter.poverty')}
                          </span>
                        )}{' '}
                        {p.chronic && <span className="badge">{t('patients.filter.chronic')}</span>}{' '}
                        {p.overdueFollowUp && (
                          <span className="badge badge-emergency">{t('patients.filter.overdue')}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loadable>
      </div>
    </section>
  );
}
