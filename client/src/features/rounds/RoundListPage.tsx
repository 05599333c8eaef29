import { Link } from 'react-router';
import { Permission } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { Loadable, PageHeader } from '../../app/ui';
import { useAsync } from '../../app/useAsync';
import { listRounds } from './api';
import { hospitalName } from './format';

export function RoundListPage() {
  const { t, dt, locale } = useI18n();
  const { allowed } = useSession();
  const rounds = useAsync(listRounds, []);
  return (
    <>
      <PageHeader
        title={t('rounds.title')}
        actions={
          allowed(Permission.RoundsCreate) && (
            <Link className="btn btn-primary" to="/rounds/new" data-testid="round-new">
              {t('rounds.new')}
            </Link>
          )
        }
      />
      <Loadable state={rounds}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('rounds.empty')}</p>
          ) : (
            <table className="table" data-testid="round-list">
              <thead>
                <tr>
                  <th>{t('rounds.field.scheduledAt')}</th>
                  <th>{t('rounds.field.title')}</th>
                  <th>{t('rounds.field.kind')}</th>
                  <th>{t('rounds.field.host')}</th>
                  <th>{t('rounds.field.invitees')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id}>
                    <td>{dt(r.scheduledAt)}</td>
                    <td>
                      <Link to={`/rounds/${r.id}`}>{r.title}</Link>{' '}
                      <span className={`badge round-status-${r.status}`}>
                        {t(`rounds.status.${r.status}`)}
                      </span>
                    </td>
                    <td>{t(`rounds.kind.${r.kind}`)}</td>
                    <td>
                      {r.host.displayName} <span className="muted">{hospitalName(r.host, locale)}</span>
                    </td>
                    <td>{r.inviteeCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loadable>
    </>
  );
}
