import { useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Permission, type ConsultationSummary } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useMe, useSession } from '../../app/session';
import { useSocketEvent } from '../../app/socket';
import { Loadable, PageHeader } from '../../app/ui';
import { useConsultationPages } from './usePages';
import { SlaClock, StateBadge, UrgencyBadge } from './components';
import './messages';

/**
 * County doctors: their hospital's requests with the SLA clock. Tertiary clinicians: the triage queue (sorted
 * by urgency, then SLA due) and the requests assigned to them. Both refresh live on `consultation:changed`.
 */
export function WorklistPage({ initial }: { initial?: 'queue' | 'mine' }) {
  const me = useMe();
  const { allowed } = useSession();
  const { t, locale, dt } = useI18n();
  const navigate = useNavigate();
  const county = me.role === 'county_doctor';
  const [view, setView] = useState<'all' | 'queue' | 'mine'>(county ? 'all' : (initial ?? 'queue'));
  const pages = useConsultationPages(view);
  const state = pages.first;
  const reload = state.reload;
  const onChanged = useCallback(() => reload(), [reload]);
  useSocketEvent('consultation:changed', onChanged);

  const name = (h: { nameZh: string; nameEn: string }) => (locale === 'zh-CN' ? h.nameZh : h.nameEn);
  const title = county
    ? t('consult.worklist.title')
    : view === 'queue'
      ? t('consult.queue.title')
      : t('consult.mine.title');
  return (
    <section>
      <PageHeader
        title={title}
        actions={
          allowed(Permission.ConsultationsCreate) ? (
            <Link className="btn btn-primary" to="/consultations/new" data-testid="new-consultation">
              {t('consult.new')}
            </Link>
          ) : undefined
        }
      />
      {!county && (
        <div className="tabs" role="tablist">
          {(['queue', 'mine'] as const).map((v) => (
            <button
              key={v}
              role="tab"
              aria-selected={view === v}
              className={view === v ? 'btn btn-primary' : 'btn'}
              onClick={() => setView(v)}
              data-testid={`tab-${v}`}
            >
              {v === 'queue' ? t('consult.queue.title') : t('consult.mine.title')}
            </button>
          ))}
        </div>
      )}
      <div className="card">
        <Loadable state={state}>
          {(page) =>
            pages.items.length === 0 ? (
              <p className="muted">{t('consult.empty')}</p>
            ) : (
              <table className="table" data-testid="consultation-list">
                <thead>
                  <tr>
                    <th>{t('consult.col.patient')}</th>
                    <th>{t('consult.col.type')}</th>
                    <th>{t('consult.col.urgency')}</th>
                    <th>{t('consult.col.state')}</th>
                    <th>{county ? t('consult.col.target') : t('consult.col.requester')}</th>
                    <th>{t('consult.col.assignee')}</th>
                    <th>{t('consult.col.sla')}</th>
                    <th>{t('consult.col.updated')}</th>
                  </tr>
                </thead>
                <tbody>
                  {pages.items.map((c: ConsultationSummary) => (
                    <tr
                      key={c.id}
                      data-testid="consultation-row"
                      data-id={c.id}
                      data-state={c.state}
                      onClick={() => navigate(`/consultations/${c.id}`)}
                      style={{ cursor: 'pointer' }}
                    >
                      <td>
                        <Link to={`/consultations/${c.id}`}>{c.patient.name}</Link>
                        <div className="muted">
                          {c.icd10} {c.diagnosis}
                        </div>
                      </td>
                      <td>{t(`consult.type.${c.type}`)}</td>
                      <td>
                        <UrgencyBadge urgency={c.urgency} />
                      </td>
                      <td>
                        <StateBadge state={c.state} />
                      </td>
                      <td>
                        {county
                          ? name(c.targetHospital)
                          : `${name(c.requestingHospital)} · ${c.requester.displayName}`}
                      </td>
                      <td>{c.assignee?.displayName ?? '—'}</td>
                      <td>
                        <SlaClock c={c} />
                      </td>
                      <td>{dt(c.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <td colSpan={8} className="muted" data-testid="consultation-count">
                      {t(page.totalCapped ? 'consult.list.shownOfMore' : 'consult.list.shownOf', {
                        shown: pages.items.length,
                        total: page.total,
                      })}{' '}
                      {pages.hasMore && (
                        <button
                          className="btn"
                          onClick={pages.loadMore}
                          disabled={pages.loadingMore}
                          data-testid="load-more"
                        >
                          {t('consult.list.loadMore')}
                        </button>
                      )}
                    </td>
                  </tr>
                </tfoot>
              </table>
            )
          }
        </Loadable>
      </div>
    </section>
  );
}
