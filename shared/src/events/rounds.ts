/**
 * Round signalling over the one socket.io connection. Requests (client → server) and notifications
 * (server → client) are discriminated unions; request data are TypeBox schemas the server validates at the edge.
 * mediasoup's own objects (RTP/DTLS/ICE parameters, RTP capabilities) travel as opaque JSON: mediasoup and
 * mediasoup-client validate them.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Uuid } from '../schemas/common';
import type { ChatMessage, RoundPerson } from '../schemas/rounds';
import type { AckFn } from './index';

/** Opaque mediasoup JSON (RtpParameters, DtlsParameters, RtpCapabilities ...). */
const Opaque = Type.Record(Type.String(), Type.Unknown());
type Opaque = Record<string, unknown>;

export const MEDIA_SOURCES = ['mic', 'webcam', 'screen'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];
const SourceSchema = Type.Union(MEDIA_SOURCES.map((s) => Type.Literal(s)));
const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Request payload schemas, by method. */
export const RoundRequestSchemas = {
  /** transports: also create this peer's send and receive transports (one round trip instead of three). */
  join: Type.Object(
    { roundId: Uuid, transports: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  /**
   * consume: answer with (paused) consumers of the producers already in the room instead of a newProducer
   * notification for each (the client then resumes them; one round trip instead of two per producer);
   * spatialLayer: the simulcast layer those video consumers start with (no layer switch, so no second keyframe).
   */
  ready: Type.Object(
    {
      rtpCapabilities: Opaque,
      consume: Type.Optional(Type.Boolean()),
      spatialLayer: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
    },
    { additionalProperties: false },
  ),
  createTransport: Type.Object(
    { direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]) },
    { additionalProperties: false },
  ),
  connectTransport: Type.Object({ transportId: Id, dtlsParameters: Opaque }, { additionalProperties: false }),
  /** roundId: which round the transport belongs to, so a new socket on another node finds the round's node. */
  restartIce: Type.Object({ transportId: Id, roundId: Type.Optional(Id) }, { additionalProperties: false }),
  produce: Type.Object(
    {
      transportId: Id,
      kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
      rtpParameters: Opaque,
      source: SourceSchema,
    },
    { additionalProperties: false },
  ),
  closeProducer: Type.Object({ producerId: Id }, { additionalProperties: false }),
  pauseProducer: Type.Object({ producerId: Id, paused: Type.Boolean() }, { additionalProperties: false }),
  consume: Type.Object({ producerId: Id }, { additionalProperties: false }),
  resumeConsumer: Type.Object({ consumerId: Id }, { additionalProperties: false }),
  pauseConsumer: Type.Object({ consumerId: Id }, { additionalProperties: false }),
  setPreferredLayers: Type.Object(
    {
      consumerId: Id,
      spatialLayer: Type.Integer({ minimum: 0, maximum: 2 }),
      temporalLayer: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
    },
    { additionalProperties: false },
  ),
  setAudioOnly: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
  chat: Type.Object(
    {
      /**
       * The message's id, chosen by the sender so that asking again (the answer lost with a dropped socket) posts
       * it once: the server answers a repeat with the message already stored.
       */
      id: Type.Optional(Uuid),
      text: Type.String({ minLength: 1, maxLength: 2000 }),
    },
    { additionalProperties: false },
  ),
  setAgendaItem: Type.Object(
    { agendaItemId: Type.Union([Uuid, Type.Null()]) },
    { additionalProperties: false },
  ),
  /** Raise or lower one's own hand. */
  raiseHand: Type.Object({ raised: Type.Boolean() }, { additionalProperties: false }),
  /** The host or the presenter lowers someone's hand. */
  lowerHand: Type.Object({ peerId: Uuid }, { additionalProperties: false }),
  startRecording: Type.Object({}, { additionalProperties: false }),
  stopRecording: Type.Object({}, { additionalProperties: false }),
  leave: Type.Object({}, { additionalProperties: false }),
} satisfies Record<string, TSchema>;

export interface ProducerInfo {
  producerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  paused: boolean;
}
export interface PeerInfo extends RoundPerson {
  /** Peer id = user id: one peer per user per round. */
  peerId: string;
  audioOnly: boolean;
  producers: ProducerInfo[];
}
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}
export interface TransportInfo {
  id: string;
  iceParameters: Opaque;
  iceCandidates: Opaque[];
  dtlsParameters: Opaque;
}
export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  rtpParameters: Opaque;
  /** 'simple' | 'simulcast' | 'svc' | 'pipe' */
  type: string;
  producerPaused: boolean;
}
export interface JoinResult {
  peerId: string;
  routerRtpCapabilities: Opaque;
  iceServers: IceServer[];
  peers: PeerInfo[];
  currentAgendaItemId: string | null;
  recording: boolean;
  chat: ChatMessage[];
  /** Peers whose hand is up, in the order they raised it. */
  handsRaised: string[];
  /** This peer's transports, when the join asked for them. */
  transports?: { send: TransportInfo; recv: TransportInfo };
}
export interface ReadyResult {
  consumable: number;
  /** The consumers created for the producers already in the room, when `ready` asked for them. */
  consumers?: ConsumerInfo[];
}

/** Every request: method, data (validated by its schema) and the ack's data. */
export type RoundRequest =
  | { method: 'join'; data: Static<typeof RoundRequestSchemas.join>; response: JoinResult }
  | { method: 'ready'; data: Static<typeof RoundRequestSchemas.ready>; response: ReadyResult }
  | {
      method: 'createTransport';
      data: Static<typeof RoundRequestSchemas.createTransport>;
      response: TransportInfo;
    }
  | { method: 'connectTransport'; data: { transportId: string; dtlsParameters: Opaque }; response: undefined }
  | {
      method: 'restartIce';
      data: Static<typeof RoundRequestSchemas.restartIce>;
      response: { iceParameters: Opaque };
    }
  | {
      method: 'produce';
      data: { transportId: string; kind: 'audio' | 'video'; rtpParameters: Opaque; source: MediaSource };
      response: { producerId: string };
    }
  | { method: 'closeProducer'; data: Static<typeof RoundRequestSchemas.closeProducer>; response: undefined }
  | { method: 'pauseProducer'; data: Static<typeof RoundRequestSchemas.pauseProducer>; response: undefined }
  | { method: 'consume'; data: Static<typeof RoundRequestSchemas.consume>; response: ConsumerInfo }
  | { method: 'resumeConsumer'; data: Static<typeof RoundRequestSchemas.resumeConsumer>; response: undefined }
  | { method: 'pauseConsumer'; data: Static<typeof RoundRequestSchemas.pauseConsumer>; response: undefined }
  | {
      method: 'setPreferredLayers';
      data: Static<typeof RoundRequestSchemas.setPreferredLayers>;
      response: undefined;
    }
  | { method: 'setAudioOnly'; data: Static<typeof RoundRequestSchemas.setAudioOnly>; response: undefined }
  | { method: 'chat'; data: Static<typeof RoundRequestSchemas.chat>; response: ChatMessage }
  | { method: 'setAgendaItem'; data: Static<typeof RoundRequestSchemas.setAgendaItem>; response: undefined }
  | { method: 'raiseHand'; data: Static<typeof RoundRequestSchemas.raiseHand>; response: undefined }
  | { method: 'lowerHand'; data: Static<typeof RoundRequestSchemas.lowerHand>; response: undefined }
  | { method: 'startRecording'; data: Record<string, never>; response: { recordingId: string } }
  | { method: 'stopRecording'; data: Record<string, never>; response: undefined }
  | { method: 'leave'; data: Record<string, never>; response: undefined };
export type RoundMethod = RoundRequest['method'];
export type RoundRequestData<M extends RoundMethod> = Extract<RoundRequest, { method: M }>['data'];
export type RoundResponse<M extends RoundMethod> = Extract<RoundRequest, { method: M }>['response'];
export const ROUND_METHODS = Object.keys(RoundRequestSchemas) as RoundMethod[];

/** Every notification from the server about the round the socket joined. */
export type RoundNotification =
  | { name: 'peerJoined'; data: { peer: PeerInfo } }
  | { name: 'peerLeft'; data: { peerId: string } }
  | { name: 'peerUpdated'; data: { peerId: string; audioOnly: boolean } }
  | { name: 'newProducer'; data: { peerId: string; producer: ProducerInfo } }
  | { name: 'producerClosed'; data: { peerId: string; producerId: string } }
  | { name: 'producerPaused'; data: { peerId: string; producerId: string; paused: boolean } }
  | { name: 'consumerClosed'; data: { consumerId: string } }
  | {
      name: 'consumerLayersChanged';
      data: { consumerId: string; spatialLayer: number | null; temporalLayer: number | null };
    }
  | { name: 'activeSpeaker'; data: { peerId: string | null } }
  | { name: 'chatMessage'; data: { message: ChatMessage } }
  | { name: 'agendaChanged'; data: { agendaItemId: string | null } }
  | { name: 'recordingChanged'; data: { recording: boolean; recordingId: string | null } }
  /** A hand went up or down (`by`: who lowered it, when not its owner). */
  | { name: 'handChanged'; data: { peerId: string; raised: boolean; by: string | null } }
  /**
   * The media server lost this round's state (worker died), or the round moved to another node (its node stopped
   * or lost the round's lease): join again. Clients do so automatically.
   */
  | { name: 'rejoin'; data: { reason: 'worker_died' | 'room_closed' | 'moved' } }
  /** The same user joined from elsewhere; this connection's peer was closed. Do not rejoin. */
  | { name: 'replaced'; data: Record<string, never> }
  | { name: 'roundEnded'; data: Record<string, never> };
export type RoundNotificationName = RoundNotification['name'];

/** socket.io maps derived from the unions: `round:<method>` requests with typed acks, one notify event. */
export type RoundClientToServerEvents = {
  [R in RoundRequest as `round:${R['method']}`]: (data: R['data'], ack: AckFn<R['response']>) => void;
};
export interface RoundServerToClientEvents {
  'round:notify': (n: RoundNotification) => void;
}
