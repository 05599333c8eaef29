import { Link, useParams } from 'react-router';
import { useState } from 'react';
import { useI18n } from '../../app/i18n';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useAsync } from '../../app/useAsync';
import { calendarUrl, endRound, getRound, joinPath, recordingUrl } from './api';
import { formatBytes, hospitalName } from './format';
import './room.messages';

export function RoundDetailPage() {
  const { id = '' } = useParams();
  const { t, dt, locale } = useI18n();
  const round = useAsync(() => getRound(id), [id]);
  const [error, setError] = useState<unknown>(null);
  return (
    <Loadable state={round}>
      {(r) => (
        <>
          <PageHeader
            title={r.title}
            actions={
              <>
                {r.canJoin && (
                  <>
                    <Link className="btn btn-primary" to={`/rounds/${r.id}/room`} data-testid="round-join">
                      {t('rounds.join')}
                    </Link>
                    <Link className="btn" to={`/rounds/${r.id}/room?audioOnly=1`}>
                      {t('rounds.joinAudioOnly')}
                    </Link>
                  </>
                )}
                <a className="btn" href={calendarUrl(r.id)} download data-testid="round-ics">
                  {t('rounds.calendar')}
                </a>
                {r.canEdit && (
                  <button
                    className="btn btn-danger"
                    onClick={() => void endRound(r.id).then(round.reload, setError)}
                    data-testid="round-end"
                  >
                    {t('rounds.end')}
                  </button>
                )}
              </>
            }
          />
          <ErrorText error={error} />
          <div className="card">
            <p>
              <span className={`badge round-status-${r.status}`}>{t(`rounds.status.${r.status}`)}</span>{' '}
              {t(`rounds.kind.${r.kind}`)} · {dt(r.scheduledAt)} · {r.durationMinutes} min
            </p>
            {r.canJoin && (
              <p>
                {t('rounds.joinLink')}:{' '}
                <Link to={joinPath(r.id)} className="mono" data-testid="round-join-link">
                  {`${window.location.origin}${joinPath(r.id)}`}
                </Link>
              </p>
            )}
            <p>
              {t('rounds.field.host')}: {r.host.displayName}{' '}
              <span className="muted">{hospitalName(r.host, locale)}</span>
            </p>
            <h2>{t('rounds.field.invitees')}</h2>
            <ul data-testid="round-invitees">
              {r.invitees.map((p) => (
                <li key={p.userId}>
                  {p.displayName} <span className="muted">{hospitalName(p, locale)}</span>
                </li>
              ))}
            </ul>
            <h2>{t('rounds.field.agenda')}</h2>
            <ol data-testid="round-agenda">
              {r.agenda.map((a) => (
                <li
                  key={a.id}
                  className={a.id === r.currentAgendaItemId ? 'rounds-agenda-current' : undefined}
                  data-withheld={a.withheld}
                >
                  {a.withheld ? (
                    <span className="muted">{t('rounds.agenda.withheld')}</span>
                  ) : a.consultationId ? (
                    <Link to={`/consultations/${a.consultationId}`}>{a.title}</Link>
                  ) : (
                    a.title
                  )}
                </li>
              ))}
            </ol>
          </div>
          <div className="card" data-testid="round-recordings">
            <h2>{t('rounds.recordings')}</h2>
            {r.recordings.length === 0 && <p className="muted">{t('rounds.recordings.none')}</p>}
            {r.recordings.map((rec) => (
              <div key={rec.id} className="rounds-recording">
                <p>
                  {dt(rec.startedAt)} ·{' '}
                  {rec.status === 'ready' ? formatBytes(rec.sizeBytes) : t(`rounds.recording.${rec.status}`)}
                </p>
                {rec.status === 'ready' && (
                  <video
                    controls
                    preload="metadata"
                    src={recordingUrl(r.id, rec.id)}
                    data-testid="recording-video"
                  />
                )}
              </div>
            ))}
          </div>
        </>
      )}
    </Loadable>
  );
}
