import { lazy, Suspense, useEffect, useMemo, useState, useSyncExternalStore, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { ErrorText } from '../../app/ui';
import { useAsync } from '../../app/useAsync';
import { getRound } from './api';
import { roomClientFor } from './earlyJoin';
import { actionError } from './roomTypes';
import { RoomParticipants } from './RoomParticipants';
import { RoomStage, type RoomLayout } from './RoomStage';
import './rounds.css';
import './room.messages';

// [sync, issue 8] the shared, presenter-led viewer of the round (client/src/features/sync). Its code (cornerstone,
// ~2 MB) loads once the join has settled (RoomState.settled: what was in the room is being received, or the join
// failed), at the latest VIEWER_AT_LATEST_MS after the room opened: parsed during the join, it kept the page's main
// thread busy while the join's steps waited for it (`pnpm bench rounds`).
const SyncPanel = lazy(() => import('../sync/SyncPanel').then((m) => ({ default: m.SyncPanel })));
const VIEWER_AT_LATEST_MS = 3000;

/**
 * The round room, sized to the window (1366×768 up): a header, the stage (shared viewer and video tiles,
 * scrolling inside), a side column (participants, agenda, chat, each scrolling inside) and the controls bar,
 * which never leaves the viewport.
 */
export function RoomPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const { t } = useI18n();
  const { me } = useSession();
  const round = useAsync(() => getRound(id), [id]);
  const client = useMemo(() => roomClientFor(id), [id]);
  const s = useSyncExternalStore(client.subscribe, client.getState);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState('');
  const [layout, setLayout] = useState<RoomLayout>('tile');
  const [viewerDue, setViewerDue] = useState(false);
  useEffect(() => {
    const due = setTimeout(() => setViewerDue(true), VIEWER_AT_LATEST_MS);
    return () => clearTimeout(due);
  }, []);

  useEffect(() => {
    void client.join({ audioOnly: params.get('audioOnly') === '1' }).catch(() => undefined);
    return () => void client.leave();
  }, [client, params]);

  const act = (p: Promise<unknown>) => void p.catch((e: unknown) => setError(actionError(e)));
  const r = round.data;
  const isHost = r?.host.userId === me?.id;
  const currentItem = r?.agenda.find((a) => a.id === s.agendaItemId) ?? null;
  const itemTitle = (a: { title: string; withheld: boolean }) =>
    a.withheld ? t('rounds.agenda.withheld') : a.title;
  const myId = me?.id ?? '';
  const myPerson = r && [r.host, ...r.invitees].find((p) => p.userId === myId);
  const handUp = s.hands.includes(myId);

  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    act(client.sendChat(text).then(() => setText('')));
  };

  const banner =
    s.status === 'joining'
      ? t('rounds.room.joining')
      : s.status === 'rejoining'
        ? t('rounds.room.rejoining')
        : s.status === 'replaced'
          ? t('rounds.room.replaced')
          : s.status === 'ended'
            ? t('rounds.room.ended')
            : s.reconnecting
              ? t('rounds.room.reconnecting')
              : null;

  return (
    <div
      className="rounds-room"
      data-testid="round-room"
      data-status={s.status}
      data-rejoins={s.rejoins}
      data-ice-restarts={s.iceRestarts}
      data-reconnecting={s.reconnecting}
    >
      <header className="rounds-room-head">
        <h1>{r?.title ?? ''}</h1>
        {s.recording && <span className="badge rounds-rec">{t('rounds.room.recordingBadge')}</span>}
        <span className="rounds-agenda-now" data-testid="agenda-current">
          {t('rounds.agenda.current')}: {currentItem ? itemTitle(currentItem) : t('rounds.agenda.none')}
        </span>
      </header>
      <div className="rounds-room-alerts">
        {banner && (
          <p className="alert" role="status">
            {banner}
          </p>
        )}
        {s.error && (
          <p className="alert alert-error" role="alert" data-testid="room-error" data-code={s.error.code}>
            {s.error.code === 'unavailable'
              ? t('rounds.error.unavailable', { message: s.error.message })
              : s.error.code === 'not_found' ||
                  s.error.code === 'forbidden' ||
                  s.error.code === 'invalid_transition'
                ? t(`rounds.error.${s.error.code}`)
                : s.error.message}
          </p>
        )}
        <ErrorText error={error} />
        {s.proposeAudioOnly && (
          <div className="alert" role="alert" data-testid="propose-audio-only">
            {t('rounds.room.proposeAudioOnly')}{' '}
            <button
              className="btn btn-small btn-primary"
              onClick={() => act(client.setAudioOnly(true))}
              data-testid="accept-audio-only"
            >
              {t('rounds.room.switch')}
            </button>{' '}
            <button className="btn btn-small" onClick={() => client.dismissAudioOnlyProposal()}>
              {t('rounds.room.dismiss')}
            </button>
          </div>
        )}
      </div>
      <div className="rounds-room-body">
        <section className="rounds-stage">
          {/* [sync, issue 8] synchronized viewing: presenter bar + viewer that follows the presenter. */}
          {r && s.status !== 'ended' && (s.settled || viewerDue) && (
            <Suspense fallback={null}>
              <SyncPanel roundId={id} participants={[r.host, ...r.invitees]} />
            </Suspense>
          )}
          <RoomStage
            s={s}
            client={client}
            layout={layout}
            me={{ id: myId, displayName: me?.displayName ?? '' }}
          />
        </section>
        <aside className="rounds-side">
          <RoomParticipants
            s={s}
            me={{
              userId: myId,
              displayName: me?.displayName ?? '',
              role: me?.role ?? '',
              hospitalNameZh: myPerson?.hospitalNameZh ?? me?.hospital?.nameZh ?? null,
              hospitalNameEn: myPerson?.hospitalNameEn ?? me?.hospital?.nameEn ?? null,
            }}
            canLower={isHost || (!!currentItem && currentItem.presenterId === myId)}
            onLower={(peerId) => act(client.lowerHand(peerId))}
          />
          <section className="card">
            <h2>{t('rounds.field.agenda')}</h2>
            <ol data-testid="room-agenda">
              {r?.agenda.map((a) => (
                <li
                  key={a.id}
                  className={a.id === s.agendaItemId ? 'rounds-agenda-current' : undefined}
                  data-withheld={a.withheld}
                >
                  <span className={a.withheld ? 'muted' : undefined}>{itemTitle(a)}</span>{' '}
                  {isHost && a.id !== s.agendaItemId && (
                    <button
                      className="btn btn-small"
                      onClick={() => act(client.setAgendaItem(a.id))}
                      data-testid={`agenda-set-${a.position}`}
                    >
                      {t('rounds.agenda.set')}
                    </button>
                  )}
                </li>
              ))}
            </ol>
          </section>
          <section className="card rounds-chat">
            <h2>{t('rounds.room.chat')}</h2>
            <ul data-testid="round-chat">
              {s.chat.map((m) => (
                <li key={m.id}>
                  <strong>{m.displayName}</strong>: {m.text}
                </li>
              ))}
            </ul>
            <form onSubmit={send}>
              <input
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder={t('rounds.room.chatPlaceholder')}
                maxLength={2000}
                data-testid="chat-input"
              />
              <button className="btn btn-small">{t('rounds.room.send')}</button>
            </form>
          </section>
        </aside>
      </div>
      <footer className="rounds-controls" data-testid="room-controls">
        <button className="btn" onClick={() => act(client.setMicMuted(!s.micMuted))} data-testid="toggle-mic">
          {s.micMuted ? t('rounds.room.unmute') : t('rounds.room.mute')}
        </button>
        {!s.audioOnly && (
          <button className="btn" onClick={() => act(client.setCamera(!s.camOn))} data-testid="toggle-cam">
            {s.camOn ? t('rounds.room.camOff') : t('rounds.room.camOn')}
          </button>
        )}
        <button
          className="btn"
          onClick={() => act(s.sharing ? client.stopScreen() : client.shareScreen())}
          data-testid="toggle-screen"
        >
          {s.sharing ? t('rounds.room.stopShare') : t('rounds.room.share')}
        </button>
        <button
          className={handUp ? 'btn btn-primary' : 'btn'}
          aria-pressed={handUp}
          onClick={() => act(client.raiseHand(!handUp))}
          data-testid="toggle-hand"
        >
          {handUp ? t('rounds.hand.lowerMine') : t('rounds.hand.raise')}
        </button>
        <button
          className="btn"
          onClick={() => act(client.setAudioOnly(!s.audioOnly))}
          data-testid="toggle-audio-only"
        >
          {s.audioOnly ? t('rounds.room.video') : t('rounds.room.audioOnly')}
        </button>
        <button
          className="btn"
          onClick={() => setLayout(layout === 'tile' ? 'speaker' : 'tile')}
          data-testid="toggle-layout"
          data-layout={layout}
        >
          {layout === 'tile' ? t('rounds.layout.speaker') : t('rounds.layout.tile')}
        </button>
        {r?.canRecord && (
          <button
            className="btn"
            onClick={() => act(s.recording ? client.stopRecording() : client.startRecording())}
            data-testid="toggle-record"
          >
            {s.recording ? t('rounds.room.stopRecord') : t('rounds.room.record')}
          </button>
        )}
        <Link className="btn btn-danger rounds-leave" to={`/rounds/${id}`} data-testid="room-leave">
          {t('rounds.room.leave')}
        </Link>
      </footer>
    </div>
  );
}
