import type { RoundPerson } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { hospitalName } from './format';
import type { LinkQuality } from './linkQuality';
import type { PeerView, RoomState } from './roomTypes';

/** Is this peer's microphone off? (no microphone sent, or paused) */
export function peerMuted(p: PeerView): boolean {
  const media = p.media.find((m) => m.source === 'mic');
  if (media) return media.paused;
  const producer = p.producers.find((x) => x.source === 'mic');
  return !producer || producer.paused;
}

/** A dot coloured by connection quality, with round trip and loss in its tooltip. */
export function QualityDot({ q, testId }: { q: LinkQuality | undefined; testId?: string }) {
  const { t } = useI18n();
  const level = q?.level ?? 'unknown';
  const detail = q
    ? t('rounds.quality.detail', {
        rtt: q.rttMs === null ? '—' : String(q.rttMs),
        loss: q.lossPct === null ? '—' : String(q.lossPct),
      })
    : '';
  const label = `${t(`rounds.quality.${level}`)}${detail ? ` · ${detail}` : ''}`;
  return (
    <span
      className={`rounds-quality rounds-quality-${level}`}
      data-testid={testId}
      data-level={level}
      title={label}
      aria-label={label}
      role="img"
    />
  );
}

interface Entry {
  id: string;
  person: Pick<RoundPerson, 'displayName' | 'role' | 'hospitalNameZh' | 'hospitalNameEn'>;
  muted: boolean;
  quality: LinkQuality | undefined;
  me: boolean;
}

/**
 * Who is in the room: name, role, hospital, microphone state, raised hand and connection quality. Raised hands
 * come first, in the order they went up; the host or presenter may lower them.
 */
export function RoomParticipants(props: {
  s: RoomState;
  me: Entry['person'] & { userId: string };
  canLower: boolean;
  onLower(peerId: string): void;
}) {
  const { t, locale } = useI18n();
  const { s, me } = props;
  const entries: Entry[] = [
    { id: me.userId, person: me, muted: s.micMuted, quality: s.quality.self, me: true },
    ...s.peers.map((p) => ({
      id: p.peerId,
      person: p,
      muted: peerMuted(p),
      quality: s.quality[p.peerId],
      me: false,
    })),
  ];
  const rank = (id: string) => {
    const i = s.hands.indexOf(id);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  entries.sort((a, b) => rank(a.id) - rank(b.id));
  return (
    <section className="card rounds-people" data-testid="participants">
      <h2>{t('rounds.room.participants', { n: entries.length })}</h2>
      <ul className="plain-list">
        {entries.map((e) => {
          const raised = s.hands.includes(e.id);
          return (
            <li
              key={e.id}
              data-testid={`participant-${e.id}`}
              data-muted={e.muted}
              data-hand={raised}
              className={raised ? 'rounds-hand-up' : undefined}
            >
              <QualityDot q={e.quality} testId={`quality-${e.id}`} />
              <div className="rounds-person">
                <strong>
                  {e.person.displayName}
                  {e.me && ` (${t('rounds.room.you')})`}
                </strong>
                <span className="muted">
                  {t(`role.${e.person.role}`)} · {hospitalName(e.person, locale)}
                </span>
              </div>
              {raised && (
                <span className="badge rounds-hand" title={t('rounds.hand.raised')}>
                  ✋ {t('rounds.hand.raised')}
                </span>
              )}
              {raised && props.canLower && !e.me && (
                <button
                  className="btn btn-small"
                  onClick={() => props.onLower(e.id)}
                  data-testid={`lower-hand-${e.id}`}
                >
                  {t('rounds.hand.lower')}
                </button>
              )}
              <span className={`rounds-mic${e.muted ? ' off' : ''}`}>
                {e.muted ? t('rounds.room.muted') : t('rounds.room.micOn')}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
