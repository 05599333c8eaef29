import { useState } from 'react';
import { useI18n } from '../../app/i18n';
import type { SyncClient, SyncView } from './SyncClient';

export interface Participant {
  userId: string;
  displayName: string;
}

/**
 * Who presents and the controls around it: present / take back (host) / hand over / stop, follow or detach
 * and re-attach, laser pointer, and who else may draw.
 */
export function PresenterBar({
  client,
  view,
  participants,
  laserOn,
  onLaser,
}: {
  client: SyncClient;
  view: SyncView;
  participants: Participant[];
  laserOn: boolean;
  onLaser: (on: boolean) => void;
}) {
  const { t } = useI18n();
  const [target, setTarget] = useState('');
  const [drawer, setDrawer] = useState('');
  const state = view.state;
  const me = view.me;
  const presenter = state?.presenter ?? null;
  const iPresent = !!me && presenter?.userId === me.userId;
  const isHost = !!me?.isHost;
  const moderator = iPresent || isHost;
  const others = participants.filter((p) => p.userId !== presenter?.userId && p.userId !== me?.userId);
  const nameOf = (id: string) => participants.find((p) => p.userId === id)?.displayName ?? id.slice(0, 8);
  const run = (p: Promise<unknown>) =>
    void p.then(() => client.setError(null)).catch((e: Error) => client.setError(e.message));

  return (
    <div className="sync-bar" role="toolbar" aria-label={t('sync.title')}>
      <span
        className="sync-presenter"
        data-testid="sync-presenter"
        data-presenter-id={presenter?.userId ?? ''}
      >
        {presenter
          ? t('sync.presenter', { name: `${presenter.displayName}${iPresent ? ` ${t('sync.you')}` : ''}` })
          : t('sync.noPresenter')}
      </span>
      {!presenter && (
        <button
          className="btn btn-small btn-primary"
          data-testid="sync-take"
          onClick={() => run(client.send('takePresenter', {}))}
        >
          {t('sync.take')}
        </button>
      )}
      {presenter && !iPresent && isHost && (
        <button
          className="btn btn-small"
          data-testid="sync-takeback"
          onClick={() => run(client.send('takePresenter', {}))}
        >
          {t('sync.takeBack')}
        </button>
      )}
      {presenter && moderator && (
        <>
          <select
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            aria-label={t('sync.handOverTo')}
            data-testid="sync-handover-target"
          >
            <option value="">{t('sync.handOverTo')}</option>
            {participants
              .filter((p) => p.userId !== presenter.userId)
              .map((p) => (
                <option key={p.userId} value={p.userId}>
                  {p.displayName}
                </option>
              ))}
          </select>
          <button
            className="btn btn-small"
            disabled={!target}
            data-testid="sync-handover"
            onClick={() => run(client.send('handOver', { toUserId: target }).then(() => setTarget('')))}
          >
            {t('sync.handOver')}
          </button>
          <button
            className="btn btn-small"
            data-testid="sync-release"
            onClick={() => run(client.send('releasePresenter', {}))}
          >
            {t('sync.release')}
          </button>
        </>
      )}
      {presenter && !iPresent && (
        <>
          <span className="muted" data-testid="sync-follow-state">
            {view.following ? t('sync.following') : t('sync.detached')}
          </span>
          {view.following ? (
            <button
              className="btn btn-small"
              data-testid="sync-detach"
              onClick={() => client.setFollowing(false)}
            >
              {t('sync.detach')}
            </button>
          ) : (
            <button
              className="btn btn-small btn-primary"
              data-testid="sync-reattach"
              onClick={() => {
                client.setFollowing(true);
                window.__sync?.bridge.followNow();
              }}
            >
              {t('sync.reattach')}
            </button>
          )}
        </>
      )}
      {iPresent && (
        <button
          className={`btn btn-small${laserOn ? ' btn-primary' : ''}`}
          aria-pressed={laserOn}
          data-testid="sync-laser"
          onClick={() => onLaser(!laserOn)}
        >
          {laserOn ? t('sync.laserOn') : t('sync.laser')}
        </button>
      )}
      {iPresent && state && state.detached.length > 0 && (
        <span className="badge">{t('sync.detachedCount', { n: state.detached.length })}</span>
      )}
      {moderator && presenter && (
        <span className="sync-drawers">
          <select
            value={drawer}
            onChange={(e) => setDrawer(e.target.value)}
            aria-label={t('sync.allowDraw')}
            data-testid="sync-drawer-target"
          >
            <option value="">{t('sync.allowDraw')}…</option>
            {others.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.displayName}
              </option>
            ))}
          </select>
          <button
            className="btn btn-small"
            disabled={!drawer}
            data-testid="sync-allow-draw"
            onClick={() =>
              run(client.send('allowDraw', { userId: drawer, allowed: !state?.drawers.includes(drawer) }))
            }
          >
            {drawer && state?.drawers.includes(drawer) ? t('sync.disallowDraw') : t('sync.allowDraw')}
          </button>
        </span>
      )}
      {state && state.drawers.length > 0 && (
        <span className="muted">{t('sync.drawers', { names: state.drawers.map(nameOf).join(', ') })}</span>
      )}
    </div>
  );
}
