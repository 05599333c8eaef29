import { useMemo, useState } from 'react';
import type { ChartConfiguration } from 'chart.js';
import {
  DASHBOARD_METRIC_KEYS,
  type Dashboard,
  type DashboardMetrics,
  type DashboardQuery,
} from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import { csvUrl, getDashboard, getFilters } from './api';
import { ChartCanvas } from './ChartCanvas';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const defaultRange = (): Pick<DashboardQuery, 'from' | 'to'> => {
  const to = new Date();
  const from = new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), to.getUTCDate() + 1));
  return { from: isoDay(from), to: isoDay(to) };
};

const COLORS = [
  '#1d4ed8',
  '#059669',
  '#d97706',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#be185d',
  '#4b5563',
  '#65a30d',
  '#9333ea',
  '#0f766e',
];

function MetricTable({
  rows,
  t,
}: {
  rows: { key: string; name: string; m: DashboardMetrics }[];
  t: (k: string) => string;
}) {
  return (
    <div className="table-scroll">
      <table className="table table-dense">
        <thead>
          <tr>
            <th>{t('dashboard.col.name')}</th>
            {DASHBOARD_METRIC_KEYS.map((k) => (
              <th key={k}>{t(`dashboard.metric.${k}`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{r.name}</td>
              {DASHBOARD_METRIC_KEYS.map((k) => (
                <td key={k} className="num">
                  {r.m[k] ?? '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Charts({ d }: { d: Dashboard }) {
  const { t } = useI18n();
  const monthly = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: d.byMonth.map((m) => m.month),
        datasets: [
          {
            label: t('dashboard.metric.consultations'),
            data: d.byMonth.map((m) => m.consultations),
            backgroundColor: COLORS[0],
          },
          {
            label: t('dashboard.metric.reportsSigned'),
            data: d.byMonth.map((m) => m.reportsSigned),
            backgroundColor: COLORS[1],
          },
          {
            label: t('dashboard.metric.roundsHeld'),
            data: d.byMonth.map((m) => m.roundsHeld),
            backgroundColor: COLORS[2],
          },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false },
    }),
    [d, t],
  );
  const byType = useMemo<ChartConfiguration>(
    () => ({
      type: 'doughnut',
      data: {
        labels: d.byType.map((x) => t(`dashboard.type.${x.key}`)),
        datasets: [{ data: d.byType.map((x) => x.count), backgroundColor: COLORS }],
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false },
    }),
    [d, t],
  );
  const byState = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: d.byState.map((x) => t(`dashboard.state.${x.key}`)),
        datasets: [
          {
            label: t('dashboard.metric.consultations'),
            data: d.byState.map((x) => x.count),
            backgroundColor: COLORS[0],
          },
        ],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
      },
    }),
    [d, t],
  );
  return (
    <div className="dash-charts">
      <section className="card dash-wide">
        <h2>{t('dashboard.chart.monthly')}</h2>
        <ChartCanvas config={monthly} label={t('dashboard.chart.monthly')} />
      </section>
      <section className="card">
        <h2>{t('dashboard.chart.byType')}</h2>
        <ChartCanvas config={byType} label={t('dashboard.chart.byType')} />
      </section>
      <section className="card">
        <h2>{t('dashboard.chart.byState')}</h2>
        <ChartCanvas config={byState} label={t('dashboard.chart.byState')} />
      </section>
    </div>
  );
}

export function DashboardPage() {
  const { t, locale } = useI18n();
  const [q, setQ] = useState<DashboardQuery>(defaultRange);
  const filters = useAsync(getFilters, []);
  const state = useAsync(
    () => getDashboard(q),
    [q.from, q.to, q.programName, q.pairingId, q.countyHospitalId],
  );
  const zh = locale === 'zh-CN';
  const set = (patch: Partial<DashboardQuery>) => setQ((x) => ({ ...x, ...patch }));
  const pairings = filters.data?.pairings ?? [];
  const counties = [
    ...new Map(pairings.map((p) => [p.countyHospitalId, zh ? p.countyNameZh : p.countyNameEn])).entries(),
  ];

  return (
    <div className="dashboard-page">
      <PageHeader
        title={t('dashboard.title')}
        actions={
          <a className="btn" href={csvUrl(q)} download>
            {t('dashboard.csv')}
          </a>
        }
      />
      <form className="card dash-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('dashboard.from')}{' '}
          <input
            type="date"
            name="from"
            value={q.from}
            max={q.to}
            onChange={(e) => e.target.value && set({ from: e.target.value })}
          />
        </label>
        <label>
          {t('dashboard.to')}{' '}
          <input
            type="date"
            name="to"
            value={q.to}
            min={q.from}
            onChange={(e) => e.target.value && set({ to: e.target.value })}
          />
        </label>
        <label>
          {t('dashboard.program')}{' '}
          <select
            name="program"
            value={q.programName ?? ''}
            onChange={(e) => set({ programName: e.target.value || undefined, pairingId: undefined })}
          >
            <option value="">{t('dashboard.all')}</option>
            {filters.data?.programs.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('dashboard.pairing')}{' '}
          <select
            name="pairing"
            value={q.pairingId ?? ''}
            onChange={(e) => set({ pairingId: e.target.value || undefined })}
          >
            <option value="">{t('dashboard.all')}</option>
            {pairings
              .filter((p) => !q.programName || p.programName === q.programName)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {zh ? `${p.tertiaryNameZh} — ${p.countyNameZh}` : `${p.tertiaryNameEn} — ${p.countyNameEn}`}
                </option>
              ))}
          </select>
        </label>
        <label>
          {t('dashboard.county')}{' '}
          <select
            name="county"
            value={q.countyHospitalId ?? ''}
            onChange={(e) => set({ countyHospitalId: e.target.value || undefined })}
          >
            <option value="">{t('dashboard.all')}</option>
            {counties.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Loadable state={state}>
        {(d) => (
          <>
            <div className="dash-kpis">
              {DASHBOARD_METRIC_KEYS.map((k) => (
                <div key={k} className="card dash-kpi" data-metric={k}>
                  <div className="dash-kpi-value">{d.totals[k] ?? '—'}</div>
                  <div className="dash-kpi-label">{t(`dashboard.metric.${k}`)}</div>
                </div>
              ))}
            </div>
            <p className="muted small">{t('dashboard.note')}</p>
            {d.totals.consultations === 0 && d.totals.roundsHeld === 0 ? (
              <p className="card muted">{t('dashboard.empty')}</p>
            ) : (
              <Charts d={d} />
            )}
            <section className="card">
              <h2>{t('dashboard.table.programs')}</h2>
              <MetricTable
                t={t}
                rows={d.programs.map((p) => ({ key: p.programName, name: p.programName, m: p }))}
              />
            </section>
            <section className="card">
              <h2>{t('dashboard.table.pairings')}</h2>
              <MetricTable
                t={t}
                rows={d.pairings.map((p) => ({
                  key: p.pairingId,
                  name: zh
                    ? `${p.tertiaryNameZh} — ${p.countyNameZh}`
                    : `${p.tertiaryNameEn} — ${p.countyNameEn}`,
                  m: p,
                }))}
              />
            </section>
            <section className="card">
              <h2>{t('dashboard.table.counties')}</h2>
              <MetricTable
                t={t}
                rows={d.counties.map((c) => ({
                  key: c.countyHospitalId,
                  name: zh ? c.nameZh : c.nameEn,
                  m: c,
                }))}
              />
            </section>
          </>
        )}
      </Loadable>
    </div>
  );
}
