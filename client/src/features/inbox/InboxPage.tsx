import { Link } from 'react-router';
import { useI18n } from '../../app/i18n';
import { PageHeader } from '../../app/ui';
import { hrefOf, markRead, useInbox } from './store';
import { NotificationText } from './Bell';
import './messages';

/** Every notification, newest first; unread in bold. Live through the shared inbox store. */
export function InboxPage() {
  const { t } = useI18n();
  const { items, unread, loaded } = useInbox();
  return (
    <section>
      <PageHeader
        title={`${t('inbox.title')} (${t('inbox.unread', { n: unread })})`}
        actions={
          <button className="btn" onClick={() => void markRead('all')}>
            {t('inbox.markAll')}
          </button>
        }
      />
      <div className="card">
        {!loaded ? (
          <p className="muted">{t('common.loading')}</p>
        ) : items.length === 0 ? (
          <p className="muted">{t('inbox.empty')}</p>
        ) : (
          <table className="table" data-testid="inbox-list">
            <tbody>
              {items.map((n) => (
                <tr key={n.id} className={n.readAt ? '' : 'unread'}>
                  <td>
                    <Link to={hrefOf(n)} onClick={() => !n.readAt && void markRead([n.id])}>
                      <NotificationText n={n} />
                    </Link>
                  </td>
                  <td className="actions">
                    {typeof n.data.joinPath === 'string' && n.data.joinPath.startsWith('/rounds/') && (
                      <Link
                        className="btn btn-small btn-primary"
                        to={n.data.joinPath}
                        data-testid="inbox-join"
                        onClick={() => !n.readAt && void markRead([n.id])}
                      >
                        {t('inbox.join')}
                      </Link>
                    )}
                    {!n.readAt && (
                      <button
                        className="btn btn-small"
                        data-testid="mark-read"
                        onClick={() => void markRead([n.id])}
                      >
                        {t('inbox.markRead')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
