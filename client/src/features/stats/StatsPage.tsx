import { useState } from 'react';
import type { ProgramStats } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import './messages';

const h = (v: number | null) => (v === null ? '—' : v.toFixed(1));

/** Program administrators: requests, response times and SLA breaches per pairing and per county hospital. */
export function StatsPage() {
  const { t, locale } = useI18n();
  const [range, setRange] = useState({ from: '', to: '' });
  const [applied, setApplied] = useState(range);
  const qs = new URLSearchParams(Object.entries(applied).filter(([, v]) => v));
  const state = useAsync(() => get<ProgramStats>(`/api/stats/consultations?${qs}`), [qs.toString()]);
  const nm = (zh: string, en: string) => (locale === 'zh-CN' ? zh : en);
  const breakdown = (r: Record<string, number>, prefix: string) =>
    Object.entries(r)
      .map(([k, n]) => `${t(`${prefix}.${k}`)} ${n}`)
      .join(' · ');
  return (
    <section>
      <PageHeader title={t('stats.title')} />
      <form
        className="card form-row"
        style={{ marginTop: 0 }}
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(range);
        }}
      >
        <label>
          {t('stats.from')}{' '}
          <input
            type="date"
            value={range.from}
            onChange={(e) => setRange({ ...range, from: e.target.value })}
          />
        </label>
        <label>
          {t('stats.to')}{' '}
          <input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} />
        </label>
        <button className="btn btn-primary" type="submit">
          {t('stats.apply')}
        </button>
      </form>
      <Loadable state={state}>
        {(s) =>
          s.pairings.length === 0 ? (
            <p className="card muted">{t('stats.empty')}</p>
          ) : (
            <>
              <div className="card">
                <h2>{t('stats.byPairing')}</h2>
                <table className="table" data-testid="stats-pairings">
                  <thead>
                    <tr>
                      <th>{t('stats.pairing')}</th>
                      <th>{t('stats.total')}</th>
                      <th>
                        {t('stats.byType')} / {t('stats.byUrgency')} / {t('stats.byState')}
                      </th>
                      <th>{t('stats.accept')}</th>
                      <th>{t('stats.report')}</th>
                      <th>{t('stats.breaches')}</th>
                      <th>{t('stats.poverty')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.pairings.map((p) => (
                      <tr key={`${p.tertiaryHospitalId}-${p.countyHospitalId}`}>
                        <td>
                          {nm(p.tertiaryNameZh, p.tertiaryNameEn)} → {nm(p.countyNameZh, p.countyNameEn)}
                        </td>
                        <td>{p.total}</td>
                        <td className="muted">
                          <div>{breakdown(p.byType, 'consult.type')}</div>
                          <div>{breakdown(p.byUrgency, 'consult.urgency')}</div>
                          <div>{breakdown(p.byState, 'consult.state')}</div>
                        </td>
                        <td>
                          {h(p.medianHoursToAccept)} / {h(p.p90HoursToAccept)}
                        </td>
                        <td>
                          {h(p.medianHoursToReport)} / {h(p.p90HoursToReport)}
                        </td>
                        <td className={p.slaBreaches ? 'text-warn' : ''}>{p.slaBreaches}</td>
                        <td>{p.povertyPatientsServed}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="card">
                <h2>{t('stats.byCounty')}</h2>
                <table className="table">
                  <thead>
                    <tr>
                      <th>{t('stats.county')}</th>
                      <th>{t('stats.total')}</th>
                      <th>{t('stats.accept')}</th>
                      <th>{t('stats.breaches')}</th>
                      <th>{t('stats.poverty')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.counties.map((c) => (
                      <tr key={c.countyHospitalId}>
                        <td>{nm(c.nameZh, c.nameEn)}</td>
                        <td>{c.total}</td>
                        <td>
                          {h(c.medianHoursToAccept)} / {h(c.p90HoursToAccept)}
                        </td>
                        <td>{c.slaBreaches}</td>
                        <td>{c.povertyPatientsServed}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )
        }
      </Loadable>
    </section>
  );
}
