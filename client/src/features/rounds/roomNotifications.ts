/**
 * The room's answer to each server notification (`round:notify`): peers joining and leaving, their producers
 * appearing, pausing and closing, consumer layer changes, the active speaker, chat, agenda and recording, and
 * the server ending our presence (rejoin, replaced by another tab, round ended).
 */
import type { types } from 'mediasoup-client';
import type { RemoteMediaSet } from './RemoteMedia';
import { warn } from './signalling';
import type { RoundNotification } from '@consult/shared';
import type { PeerView, RoomState } from './roomTypes';

/** The part of a RoomClient the notification handler works on. */
export interface NotificationTarget {
  getState(): RoomState;
  set(patch: Partial<RoomState>): void;
  updatePeer(peerId: string, fn: (p: PeerView) => PeerView): void;
  /** Open consumers by id, with the peer each one belongs to. */
  readonly consumers: ReadonlyMap<string, { consumer: types.Consumer; peerId: string }>;
  consume(peerId: string, producerId: string): Promise<void>;
  /** Close the consumers (open or being set up) that `which` selects. */
  dropWhere: RemoteMediaSet['dropWhere'];
  rejoin(why: string): Promise<void>;
  /** The server ended our presence for good: stop wanting to be joined, tear the media down, show why. */
  stop(status: 'replaced' | 'ended'): void;
}

export async function handleNotification(room: NotificationTarget, n: RoundNotification): Promise<void> {
  switch (n.name) {
    case 'peerJoined':
      room.set({
        peers: [
          ...room.getState().peers.filter((p) => p.peerId !== n.data.peer.peerId),
          { ...n.data.peer, media: [] },
        ],
      });
      return;
    case 'peerLeft':
      room.dropWhere((e) => e.peerId === n.data.peerId);
      room.set({
        peers: room.getState().peers.filter((p) => p.peerId !== n.data.peerId),
        hands: room.getState().hands.filter((id) => id !== n.data.peerId),
      });
      return;
    case 'peerUpdated':
      room.updatePeer(n.data.peerId, (p) => ({ ...p, audioOnly: n.data.audioOnly }));
      return;
    case 'newProducer':
      room.updatePeer(n.data.peerId, (p) => ({
        ...p,
        producers: [
          ...p.producers.filter((x) => x.producerId !== n.data.producer.producerId),
          n.data.producer,
        ],
      }));
      await room
        .consume(n.data.peerId, n.data.producer.producerId)
        .catch((e: unknown) => warn(`consume ${n.data.producer.kind}`, e));
      return;
    case 'producerClosed':
      room.dropWhere((e) => e.producerId === n.data.producerId);
      room.updatePeer(n.data.peerId, (p) => ({
        ...p,
        producers: p.producers.filter((x) => x.producerId !== n.data.producerId),
      }));
      return;
    case 'producerPaused':
      room.updatePeer(n.data.peerId, (p) => ({
        ...p,
        media: p.media.map((m) => (m.producerId === n.data.producerId ? { ...m, paused: n.data.paused } : m)),
      }));
      return;
    case 'consumerClosed':
      room.dropWhere((e) => e.consumerId === n.data.consumerId);
      return;
    case 'consumerLayersChanged': {
      const e = room.consumers.get(n.data.consumerId);
      if (e) {
        room.updatePeer(e.peerId, (p) => ({
          ...p,
          media: p.media.map((m) =>
            m.consumerId === n.data.consumerId ? { ...m, spatialLayer: n.data.spatialLayer } : m,
          ),
        }));
      }
      return;
    }
    case 'activeSpeaker':
      room.set({ activeSpeaker: n.data.peerId });
      return;
    case 'chatMessage':
      if (!room.getState().chat.some((c) => c.id === n.data.message.id))
        room.set({ chat: [...room.getState().chat, n.data.message] });
      return;
    case 'agendaChanged':
      room.set({ agendaItemId: n.data.agendaItemId });
      return;
    case 'recordingChanged':
      room.set({ recording: n.data.recording });
      return;
    case 'handChanged': {
      const hands = room.getState().hands.filter((id) => id !== n.data.peerId);
      room.set({ hands: n.data.raised ? [...hands, n.data.peerId] : hands });
      return;
    }
    case 'rejoin':
      await room.rejoin(`the server asked (${n.data.reason})`);
      return;
    case 'replaced':
      room.stop('replaced');
      return;
    case 'roundEnded':
      room.stop('ended');
      return;
    default:
      assertUnreachable(n);
  }
}

function assertUnreachable(x: never): never {
  throw new Error(`unhandled round notification ${JSON.stringify(x)}`);
}
