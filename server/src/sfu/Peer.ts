import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import {
  RECEIVE_FLOOR_BPS,
  type ConsumerInfo,
  type MediaSource,
  type PeerInfo,
  type ProducerInfo,
  type RoundNotification,
  type RoundPerson,
  type TransportInfo,
} from '@consult/shared';
import { badRequest, DomainError, notFound } from '../errors';
import { KEYFRAME_REQUEST_DELAY_MS } from './codecs';

/** Notifications held for a detached peer; beyond this it is closed (its client rejoins). */
const MAX_MISSED = 500;

export interface TransportListen {
  listenIp: string;
  announcedAddress: string | null;
}

export type PeerEvents = {
  /** Closed (by leave, replacement, disconnect or the room); the room drops it. */
  close: [];
};

export interface ProducerAppData extends types.AppData {
  peerId: string;
  source: MediaSource;
}

/**
 * One participant of a room: their WebRTC transports, producers and consumers on the router they were placed on.
 * The room does cross-peer work (telling others about producers, piping between routers); the peer answers for
 * its own media. `close()` closes the transports, which closes their producers and consumers (mediasoup cascade).
 */
export class Peer extends EventEmitter<PeerEvents> {
  readonly id: string;
  readonly person: RoundPerson;
  readonly router: types.Router;
  #socketId: string;
  /** Null while detached (the socket dropped without leaving): notifications wait in #missed. */
  #notify: ((n: RoundNotification) => void) | null;
  #missed: RoundNotification[] = [];
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly consumers = new Map<string, types.Consumer<ProducerAppData>>();
  /** Consumers the client acknowledged (resumed) — the ones audio-only mode pauses and restores. */
  readonly #acked = new Set<string>();
  rtpCapabilities: types.RtpCapabilities | null = null;
  audioOnly = false;
  #closed = false;
  /** The produces asked so far, settled or not: the next one waits for them (produce). */
  #producing: Promise<unknown> = Promise.resolve();
  /** Consumers being made, by producer id (consume). */
  readonly #consuming = new Map<string, Promise<ConsumerInfo>>();

  constructor(opts: {
    person: RoundPerson;
    router: types.Router;
    socketId: string;
    notify: (n: RoundNotification) => void;
  }) {
    super();
    this.id = opts.person.userId;
    this.person = opts.person;
    this.router = opts.router;
    this.#socketId = opts.socketId;
    this.#notify = opts.notify;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The socket this peer answers to (a network change moves it to the browser's next socket). */
  get socketId(): string {
    return this.#socketId;
  }
  get detached(): boolean {
    return this.#notify === null;
  }

  notify(n: RoundNotification): void {
    if (this.#closed) return;
    if (this.#notify) this.#notify(n);
    else if (this.#missed.length < MAX_MISSED) this.#missed.push(n);
    else this.close(); // away too long for a resume to catch up: the client rejoins instead
  }

  /**
   * The socket dropped without a `leave` (network change, laptop lid): keep transports, producers and
   * consumers, and hold notifications, so the browser's next socket can resume this peer with an ICE restart.
   */
  detach(): void {
    this.#notify = null;
  }

  /** A new socket of the same browser resumed this peer: it gets what it missed, then everything as usual. */
  attach(socketId: string, notify: (n: RoundNotification) => void): void {
    this.#socketId = socketId;
    this.#notify = notify;
    const missed = this.#missed;
    this.#missed = [];
    for (const n of missed) notify(n);
  }

  /** Some transport still has its DTLS session: the browser kept its media (it did not close the tab). */
  get mediaAlive(): boolean {
    for (const t of this.transports.values())
      if (t.dtlsState === 'connecting' || t.dtlsState === 'connected') return true;
    return false;
  }

  info(): PeerInfo {
    return {
      ...this.person,
      peerId: this.id,
      audioOnly: this.audioOnly,
      producers: [...this.producers.values()].map(producerInfo),
    };
  }

  async createTransport(direction: 'send' | 'recv', listen: TransportListen): Promise<TransportInfo> {
    const listenInfo = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
      protocol,
      ip: listen.listenIp,
      ...(listen.announcedAddress ? { announcedAddress: listen.announcedAddress } : {}),
    });
    const t = await this.router.createWebRtcTransport({
      listenInfos: [listenInfo('udp'), listenInfo('tcp')],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 600_000,
      appData: { direction },
    });
    if (this.#closed) {
      t.close();
      throw new DomainError('conflict', 'left the round');
    }
    if (direction === 'send') await t.setMaxIncomingBitrate(2_500_000).catch(() => undefined);
    // The smallest camera layer always fits what we assume a receiver's link carries (see RECEIVE_FLOOR_BPS).
    if (direction === 'recv') await t.setMinOutgoingBitrate(RECEIVE_FLOOR_BPS).catch(() => undefined);
    this.transports.set(t.id, t);
    t.observer.once('close', () => this.transports.delete(t.id));
    // A detached peer whose browser then closes its media (the tab went away) will not come back.
    t.on('dtlsstatechange', (state) => {
      if (state === 'closed' && this.detached) this.close();
    });
    return {
      id: t.id,
      iceParameters: t.iceParameters as never,
      iceCandidates: t.iceCandidates as never,
      dtlsParameters: t.dtlsParameters as never,
    };
  }

  transport(id: string): types.WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw notFound('transport');
    return t;
  }

  async connectTransport(id: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.transport(id).connect({ dtlsParameters });
  }

  async restartIce(id: string): Promise<types.IceParameters> {
    return this.transport(id).restartIce();
  }

  /**
   * A producer of `source` (one per source: a camera, a microphone, a screen), made one at a time per peer. A
   * source the peer already sends is replaced by the new one: the client produces it again when the answer to its
   * first produce was lost with a dropped socket, after the server had made that producer; the client has no
   * producer of its own for it, so it is stale, and closing it tells the others (`producerClosed`).
   */
  produce(
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: MediaSource,
  ): Promise<types.Producer<ProducerAppData>> {
    const made = this.#producing.then(() => this.#produce(transportId, kind, rtpParameters, source));
    this.#producing = made.catch(() => undefined);
    return made;
  }

  async #produce(
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: MediaSource,
  ) {
    if ((source === 'mic') !== (kind === 'audio'))
      throw badRequest(`source ${source} does not carry ${kind}`, 'source');
    const transport = this.transport(transportId);
    for (const p of this.producers.values()) if (p.appData.source === source) p.close();
    const producer = await transport.produce<ProducerAppData>({
      kind,
      rtpParameters,
      appData: { peerId: this.id, source },
      ...(kind === 'video' ? { keyFrameRequestDelay: KEYFRAME_REQUEST_DELAY_MS } : {}),
    });
    this.producers.set(producer.id, producer);
    producer.observer.once('close', () => this.producers.delete(producer.id));
    return producer;
  }

  producer(id: string): types.Producer<ProducerAppData> {
    const p = this.producers.get(id);
    if (!p) throw notFound('producer');
    return p;
  }

  /**
   * A paused consumer of `producerId` (which must exist on this peer's router); the client resumes it. A video
   * consumer starts at `spatialLayer` when given (simulcast), so the client's first preference is no switch.
   */
  consume(producerId: string, meta: ProducerAppData, spatialLayer?: number): Promise<ConsumerInfo> {
    // Asked again (its answer lost with a dropped socket), maybe while the first ask is still being answered: the
    // consumer that one makes, not a second one.
    const mine = [...this.consumers.values()].find((c) => c.producerId === producerId);
    if (mine) return Promise.resolve(consumerInfo(mine));
    let making = this.#consuming.get(producerId);
    if (!making) {
      making = this.#consume(producerId, meta, spatialLayer);
      this.#consuming.set(producerId, making);
      const done = () => void this.#consuming.delete(producerId);
      making.then(done, done);
    }
    return making;
  }

  async #consume(producerId: string, meta: ProducerAppData, spatialLayer?: number): Promise<ConsumerInfo> {
    if (!this.rtpCapabilities)
      throw new DomainError('invalid_transition', 'send ready (with rtpCapabilities) first');
    if (!this.router.canConsume({ producerId, rtpCapabilities: this.rtpCapabilities })) {
      throw badRequest('cannot consume this producer with your capabilities', 'producerId');
    }
    const recv = [...this.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!recv) throw new DomainError('invalid_transition', 'create a receive transport first');
    const consumer = await recv.consume<ProducerAppData>({
      producerId,
      rtpCapabilities: this.rtpCapabilities,
      paused: true,
      ...(spatialLayer !== undefined ? { preferredLayers: { spatialLayer } } : {}),
      enableRtx: true,
      ignoreDtx: true,
      appData: { ...meta },
    });
    this.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => {
      this.consumers.delete(consumer.id);
      this.#acked.delete(consumer.id);
    });
    consumer.on('producerclose', () =>
      this.notify({ name: 'consumerClosed', data: { consumerId: consumer.id } }),
    );
    consumer.on('transportclose', () => undefined);
    consumer.on('layerschange', (l) =>
      this.notify({
        name: 'consumerLayersChanged',
        data: {
          consumerId: consumer.id,
          spatialLayer: l?.spatialLayer ?? null,
          temporalLayer: l?.temporalLayer ?? null,
        },
      }),
    );
    return consumerInfo(consumer);
  }

  consumer(id: string): types.Consumer<ProducerAppData> {
    const c = this.consumers.get(id);
    if (!c) throw notFound('consumer');
    return c;
  }

  /** The client is ready to receive: start the flow (a keyframe is requested by mediasoup on resume). */
  async resumeConsumer(id: string): Promise<void> {
    const c = this.consumer(id);
    this.#acked.add(id);
    if (c.kind === 'video' && this.audioOnly) return; // stays paused until audio-only mode ends
    await c.resume();
  }

  async pauseConsumer(id: string): Promise<void> {
    const c = this.consumer(id);
    this.#acked.delete(id);
    await c.pause();
  }

  async setPreferredLayers(id: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
    const c = this.consumer(id);
    if (c.type !== 'simulcast' && c.type !== 'svc') return;
    await c.setPreferredLayers({ spatialLayer, ...(temporalLayer !== undefined ? { temporalLayer } : {}) });
  }

  /** Audio-only: no video reaches this peer (its video consumers pause server-side, saving the link). */
  async setAudioOnly(enabled: boolean): Promise<void> {
    this.audioOnly = enabled;
    await Promise.all(
      [...this.consumers.values()]
        .filter((c) => c.kind === 'video' && this.#acked.has(c.id))
        .map((c) => (enabled ? c.pause() : c.resume())),
    );
  }

  /** Leave: close every transport (and so every producer and consumer). Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const t of this.transports.values()) t.close();
    this.#markClosed();
  }

  /** The router is gone (worker died or room closed): its transports are already closed. */
  routerClosed(): void {
    if (this.#closed) return;
    this.#markClosed();
  }

  #markClosed(): void {
    this.#closed = true;
    this.#missed = [];
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.emit('close');
  }
}

export const producerInfo = (p: types.Producer<ProducerAppData>): ProducerInfo => ({
  producerId: p.id,
  kind: p.kind,
  source: p.appData.source,
  paused: p.paused,
});

/** What a client needs to receive `c` (the answer to consume). */
const consumerInfo = (c: types.Consumer<ProducerAppData>): ConsumerInfo => ({
  consumerId: c.id,
  producerId: c.producerId,
  peerId: c.appData.peerId,
  kind: c.kind,
  source: c.appData.source,
  rtpParameters: c.rtpParameters as never,
  type: c.type,
  producerPaused: c.producerPaused,
});
