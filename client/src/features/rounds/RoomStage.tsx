import { useCallback } from 'react';
import { useI18n } from '../../app/i18n';
import { hospitalName } from './format';
import { AudioSink, VideoTile } from './MediaTile';
import type { RoomClient } from './RoomClient';
import { peerMuted, QualityDot } from './RoomParticipants';
import type { RoomState } from './roomTypes';

export type RoomLayout = 'tile' | 'speaker';

interface Tile {
  id: string;
  track: MediaStreamTrack | null;
  label: string;
  sublabel?: string;
  mirror?: boolean;
  badge?: string | undefined;
  framesDecoded?: number;
  consumerId?: string;
  testId: string;
}

/**
 * The video tiles: shared screens first (large), then people — as an even grid ("tile"), or the active speaker
 * large with everyone else in a strip ("speaker"). Audio plays for every peer whatever the layout.
 */
export function RoomStage(props: {
  s: RoomState;
  client: RoomClient;
  layout: RoomLayout;
  me: { id: string; displayName: string };
}) {
  const { t, locale } = useI18n();
  const { s, client, me } = props;
  const widthFor = useCallback(
    (consumerId: string) => (px: number) => client.setTileWidth(consumerId, px),
    [client],
  );
  const hand = (id: string) => (s.hands.includes(id) ? '✋ ' : '');
  const tiles: Tile[] = [
    {
      id: me.id,
      track: s.localScreen ?? s.localVideo,
      mirror: !s.localScreen,
      label: `${hand(me.id)}${me.displayName} (${t('rounds.room.you')})`,
      badge: s.micMuted ? t('rounds.room.muted') : s.audioOnly ? t('rounds.room.audioOnlyPeer') : undefined,
      testId: 'tile-local',
    },
    ...s.peers.map((p): Tile => {
      const video = p.media.find((m) => m.source === 'webcam');
      return {
        id: p.peerId,
        track: s.audioOnly ? null : (video?.track ?? null),
        label: `${hand(p.peerId)}${p.displayName}`,
        sublabel: hospitalName(p, locale),
        badge: peerMuted(p)
          ? t('rounds.room.muted')
          : p.audioOnly
            ? t('rounds.room.audioOnlyPeer')
            : undefined,
        framesDecoded: video?.framesDecoded ?? 0,
        ...(video && { consumerId: video.consumerId }),
        testId: `tile-${p.peerId}`,
      };
    }),
  ];
  const screens = s.peers.flatMap((p) =>
    p.media.filter((m) => m.source === 'screen').map((m) => ({ peer: p, m })),
  );
  const speakerId =
    props.layout === 'speaker'
      ? (tiles.find((x) => x.id === s.activeSpeaker && x.id !== me.id) ?? tiles[1] ?? tiles[0])!.id
      : null;
  const render = (x: Tile, large = false) => (
    <div key={x.id} className="rounds-tile-wrap">
      <VideoTile
        track={x.track}
        label={x.label}
        {...(x.sublabel !== undefined && { sublabel: x.sublabel })}
        {...(x.mirror !== undefined && { mirror: x.mirror })}
        badge={x.badge}
        speaking={s.activeSpeaker === x.id}
        large={large}
        {...(x.framesDecoded !== undefined && { framesDecoded: x.framesDecoded })}
        testId={x.testId}
        {...(x.consumerId && { onWidth: widthFor(x.consumerId) })}
      />
      <QualityDot q={x.id === me.id ? s.quality.self : s.quality[x.id]} />
    </div>
  );
  return (
    <div className={`rounds-tiles rounds-layout-${props.layout}`} data-testid="room-stage">
      {screens.map(({ peer, m }) => (
        <VideoTile
          key={m.consumerId}
          large
          track={m.track}
          label={t('rounds.room.screenOf', { name: peer.displayName })}
          framesDecoded={m.framesDecoded}
          testId={`screen-${peer.peerId}`}
          onWidth={widthFor(m.consumerId)}
        />
      ))}
      {speakerId ? (
        <>
          <div className="rounds-speaker">
            {render(
              tiles.find((x) => x.id === speakerId)!,
              true,
            )}
          </div>
          <div className="rounds-strip">{tiles.filter((x) => x.id !== speakerId).map((x) => render(x))}</div>
        </>
      ) : (
        <div className="rounds-grid">{tiles.map((x) => render(x))}</div>
      )}
      {s.peers.map((p) => {
        const audio = p.media.find((m) => m.source === 'mic');
        return audio ? <AudioSink key={audio.consumerId} track={audio.track} /> : null;
      })}
    </div>
  );
}
