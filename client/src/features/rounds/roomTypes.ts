/** The room's observable state (what React renders) and the request error type. */
import type { ChatMessage, ErrorCode, JoinResult, MediaSource, PeerInfo } from '@consult/shared';
import { ApiError } from '../../app/api';
import type { LinkQuality } from './linkQuality';

export type RoomStatus =
  'idle' | 'joining' | 'joined' | 'rejoining' | 'replaced' | 'ended' | 'left' | 'error';

export interface RemoteMedia {
  consumerId: string;
  producerId: string;
  source: MediaSource;
  track: MediaStreamTrack;
  paused: boolean;
  /** From the consumer's inbound-rtp stats (video). */
  framesDecoded: number;
  spatialLayer: number | null;
}
export interface PeerView extends PeerInfo {
  media: RemoteMedia[];
}
export interface RoomState {
  status: RoomStatus;
  /**
   * A join got as far as receiving what was in the room (its consumers are set up), or failed: from then on the
   * page loads what is not the video (the shared viewer), whose code would otherwise compete with the join for the
   * page's main thread. Stays true once set.
   */
  settled: boolean;
  error: { code: ErrorCode | 'media'; message: string } | null;
  peers: PeerView[];
  activeSpeaker: string | null;
  agendaItemId: string | null;
  recording: boolean;
  chat: ChatMessage[];
  micMuted: boolean;
  camOn: boolean;
  sharing: boolean;
  audioOnly: boolean;
  /** The link looks too weak for video: the UI offers audio-only. */
  proposeAudioOnly: boolean;
  localVideo: MediaStreamTrack | null;
  localScreen: MediaStreamTrack | null;
  rejoins: number;
  /** The socket dropped and our peer is not back on a new one yet: actions wait for it (roomResume.ts). */
  reconnecting: boolean;
  /** ICE restarts completed (network change or a transport that lost its path). */
  iceRestarts: number;
  /** Peers whose hand is up, oldest first (our own id included when ours is). */
  hands: string[];
  /** Connection quality by peer id; ours under 'self'. */
  quality: Record<string, LinkQuality>;
}

export const initialRoomState = (): RoomState => ({
  status: 'idle',
  settled: false,
  error: null,
  peers: [],
  activeSpeaker: null,
  agendaItemId: null,
  recording: false,
  chat: [],
  micMuted: false,
  camOn: true,
  sharing: false,
  audioOnly: false,
  proposeAudioOnly: false,
  localVideo: null,
  localScreen: null,
  rejoins: 0,
  reconnecting: false,
  iceRestarts: 0,
  hands: [],
  quality: {},
});

export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A request whose socket dropped before it was answered: it went with that socket, never to be sent again. */
export class ConnectionDropped extends RequestError {
  constructor(method: string) {
    super('unavailable', `${method}: the connection dropped before the answer`);
  }
}

/** A room action's failure as the app shows errors (app/api.ts): in the user's language, refined for rounds. */
export const actionError = (e: unknown): unknown =>
  e instanceof RequestError ? new ApiError(0, { code: e.code, message: e.message }, 'round') : e;

/** What a join's answer sets: who is in the room (their media still to come), the agenda, recording, chat, hands. */
export const joinedState = (j: JoinResult): Partial<RoomState> => ({
  peers: j.peers.map((p) => ({ ...p, media: [] })),
  agendaItemId: j.currentAgendaItemId,
  recording: j.recording,
  chat: j.chat,
  hands: j.handsRaised,
});

/** The error a failed join shows: the server's refusal, or what the browser's media said. */
export const roomError = (e: unknown): RoomState['error'] =>
  e instanceof RequestError
    ? { code: e.code, message: e.message }
    : { code: 'media', message: (e as Error).message };
