/**
 * The room, without React: mediasoup-client Device, one send and one receive transport, producers (mic, webcam
 * with three VP8 simulcast layers, screen), consumers of everyone else, and the weak-link behaviour: ICE restart on
 * network change or transport failure, automatic rejoin after a socket reconnect or a media-worker death,
 * audio-only mode (proposed when the link degrades), preferred layers chosen from tile size and bandwidth.
 * React subscribes with useSyncExternalStore(subscribe, getState).
 */
import { Device, type types } from 'mediasoup-client';
import type {
  Ack,
  MediaSource,
  RoundMethod,
  RoundNotification,
  RoundRequestData,
  RoundResponse,
} from '@consult/shared';
import { connectSocket, type AppSocket } from '../../app/socket';
import { layerForWidth, LinkMonitor, type InboundCounters } from './linkQuality';
import { LocalMedia } from './LocalMedia';
import { RequestError, type PeerView, type RemoteMedia, type RoomState } from './roomTypes';

export { RequestError, type PeerView, type RemoteMedia, type RoomState };

export class RoomClient {
  readonly roundId: string;
  #socket: AppSocket;
  #state: RoomState = {
    status: 'idle',
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
  };
  #listeners = new Set<() => void>();
  #device: Device | null = null;
  #send: types.Transport | null = null;
  #recv: types.Transport | null = null;
  #local = new LocalMedia((method, data) => this.request(method, data));
  #consumers = new Map<string, { consumer: types.Consumer; peerId: string }>();
  #tileWidths = new Map<string, number>();
  #bandwidthCap = 2;
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #link = new LinkMonitor();
  #wantJoined = false;
  #joinSeq = 0;

  constructor(roundId: string, socket: AppSocket = connectSocket()) {
    this.roundId = roundId;
    this.#socket = socket;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };
  getState = (): RoomState => this.#state;
  #set(patch: Partial<RoomState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }
  #updatePeer(peerId: string, fn: (p: PeerView) => PeerView): void {
    this.#set({ peers: this.#state.peers.map((p) => (p.peerId === peerId ? fn(p) : p)) });
  }

  async request<M extends RoundMethod>(method: M, data: RoundRequestData<M>): Promise<RoundResponse<M>> {
    const s = this.#socket.timeout(15_000) as unknown as {
      emitWithAck(ev: string, d: unknown): Promise<Ack<RoundResponse<M>>>;
    };
    let res: Ack<RoundResponse<M>>;
    try {
      res = await s.emitWithAck(`round:${method}`, data);
    } catch {
      throw new RequestError('unavailable', `${method}: no answer from the server`);
    }
    if (!res.ok) throw new RequestError(res.code, res.message);
    return res.data;
  }

  #onNotify = (n: RoundNotification): void => void this.#handle(n);
  #onConnect = (): void => {
    // The socket came back (new connection id): the server closed our old peer, so join again.
    if (this.#wantJoined && this.#state.status !== 'joining') void this.#rejoin();
  };
  #onNetworkChange = (): void => void this.restartIce();

  /** Join with camera and microphone (unless audio-only). Safe to call again: it rejoins. */
  async join(opts: { audioOnly?: boolean } = {}): Promise<void> {
    if (opts.audioOnly !== undefined) this.#set({ audioOnly: opts.audioOnly, camOn: !opts.audioOnly });
    this.#wantJoined = true;
    this.#socket.on('round:notify', this.#onNotify);
    this.#socket.on('connect', this.#onConnect);
    window.addEventListener('online', this.#onNetworkChange);
    (navigator as Navigator & { connection?: EventTarget }).connection?.addEventListener(
      'change',
      this.#onNetworkChange,
    );
    await this.#joinOnce();
  }

  async #joinOnce(): Promise<void> {
    const seq = ++this.#joinSeq;
    this.#set({ status: this.#state.status === 'idle' ? 'joining' : 'rejoining', error: null });
    this.#teardownMedia();
    try {
      const joined = await this.request('join', { roundId: this.roundId });
      if (seq !== this.#joinSeq) return;
      // Peers first, before any await: a peerJoined arriving while the transports are created must not be
      // overwritten by this (older) list.
      this.#set({
        peers: joined.peers.map((p) => ({ ...p, media: [] })),
        agendaItemId: joined.currentAgendaItemId,
        recording: joined.recording,
        chat: joined.chat,
      });
      const device = new Device();
      await device.load({
        routerRtpCapabilities: joined.routerRtpCapabilities as unknown as types.RtpCapabilities,
      });
      this.#device = device;
      const iceServers = joined.iceServers as RTCIceServer[];
      this.#send = await this.#transport('send', iceServers);
      this.#recv = await this.#transport('recv', iceServers);
      this.#set({ status: 'joined' });
      if (this.#state.audioOnly) await this.request('setAudioOnly', { enabled: true });
      await this.request('ready', {
        rtpCapabilities: device.recvRtpCapabilities as unknown as Record<string, unknown>,
      });
      await this.#startLocalMedia();
      this.#statsTimer ??= setInterval(() => void this.#sampleStats(), 2000);
    } catch (e) {
      if (seq !== this.#joinSeq) return;
      const err =
        e instanceof RequestError
          ? { code: e.code, message: e.message }
          : { code: 'media' as const, message: (e as Error).message };
      this.#set({ status: 'error', error: err });
      throw e;
    }
  }

  async #rejoin(): Promise<void> {
    this.#set({ status: 'rejoining', rejoins: this.#state.rejoins + 1 });
    for (let attempt = 0; this.#wantJoined && attempt < 30; attempt++) {
      try {
        await this.#joinOnce();
        return;
      } catch (e) {
        if (e instanceof RequestError && ['forbidden', 'not_found', 'invalid_transition'].includes(e.code))
          return;
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
      }
    }
  }

  async #transport(direction: 'send' | 'recv', iceServers: RTCIceServer[]): Promise<types.Transport> {
    const info = await this.request('createTransport', { direction });
    const opts = {
      id: info.id,
      iceParameters: info.iceParameters as unknown as types.IceParameters,
      iceCandidates: info.iceCandidates as unknown as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as unknown as types.DtlsParameters,
      iceServers,
    };
    const t =
      direction === 'send'
        ? this.#device!.createSendTransport(opts)
        : this.#device!.createRecvTransport(opts);
    t.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.request('connectTransport', {
        transportId: t.id,
        dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
      }).then(ok, fail);
    });
    t.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      this.request('produce', {
        transportId: t.id,
        kind,
        rtpParameters: rtpParameters as unknown as Record<string, unknown>,
        source: appData.source as MediaSource,
      }).then(({ producerId }) => ok({ id: producerId }), fail);
    });
    t.on('connectionstatechange', (s) => {
      if (s === 'failed' || s === 'disconnected') void this.#restartTransportIce(t);
    });
    return t;
  }

  async #restartTransportIce(t: types.Transport): Promise<void> {
    if (t.closed) return;
    try {
      const { iceParameters } = await this.request('restartIce', { transportId: t.id });
      await t.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
    } catch {
      /* the transport is gone (rejoin in progress) */
    }
  }

  /** ICE restart on both transports (network changed: Wi-Fi ↔ 4G, new address). */
  async restartIce(): Promise<void> {
    await Promise.all(
      [this.#send, this.#recv]
        .filter((t): t is types.Transport => !!t)
        .map((t) => this.#restartTransportIce(t)),
    );
  }

  async #startLocalMedia(): Promise<void> {
    const send = this.#send!;
    try {
      await this.#local.produceMic(send, this.#state.micMuted);
      if (this.#state.camOn && !this.#state.audioOnly)
        this.#set({ localVideo: await this.#local.startCamera(send), camOn: true });
      if (this.#local.screen?.readyState === 'live')
        await this.#local.produceScreen(send, this.#local.screen);
    } catch (e) {
      this.#set({ error: { code: 'media', message: (e as Error).message } });
    }
  }

  async setMicMuted(muted: boolean): Promise<void> {
    this.#set({ micMuted: muted });
    await this.#local.setMicMuted(muted);
  }

  async setCamera(on: boolean): Promise<void> {
    if (on === this.#state.camOn) return;
    if (on) this.#set({ localVideo: await this.#local.startCamera(this.#send), camOn: true });
    else {
      await this.#local.stopCamera();
      this.#set({ localVideo: null, camOn: false });
    }
  }

  /** Audio-only: stop sending and receiving video (the server pauses our video consumers). */
  async setAudioOnly(enabled: boolean): Promise<void> {
    this.#set({ audioOnly: enabled, proposeAudioOnly: false });
    this.#link.reset();
    await this.request('setAudioOnly', { enabled });
    if (enabled) {
      await this.#local.stopCamera();
      this.#set({ localVideo: null, camOn: false });
    } else this.#set({ localVideo: await this.#local.startCamera(this.#send), camOn: true });
  }

  dismissAudioOnlyProposal(): void {
    this.#link.dismiss();
    this.#set({ proposeAudioOnly: false });
  }

  async shareScreen(): Promise<void> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 10 }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track || !this.#send) return;
    this.#set({ localScreen: track, sharing: true });
    track.addEventListener('ended', () => void this.stopScreen());
    await this.#local.produceScreen(this.#send, track);
  }

  async stopScreen(): Promise<void> {
    await this.#local.stopScreen();
    this.#set({ localScreen: null, sharing: false });
  }

  async sendChat(text: string): Promise<void> {
    const m = await this.request('chat', { text });
    if (!this.#state.chat.some((c) => c.id === m.id)) this.#set({ chat: [...this.#state.chat, m] });
  }
  setAgendaItem = (agendaItemId: string | null) => this.request('setAgendaItem', { agendaItemId });
  startRecording = () => this.request('startRecording', {});
  stopRecording = () => this.request('stopRecording', {});

  /** The UI reports each remote video tile's width; the consumer gets the layer that fits (capped by bandwidth). */
  setTileWidth(consumerId: string, px: number): void {
    this.#tileWidths.set(consumerId, px);
    void this.#applyLayer(consumerId);
  }

  async #applyLayer(consumerId: string): Promise<void> {
    const c = this.#consumers.get(consumerId)?.consumer;
    if (!c || c.kind !== 'video' || c.closed) return;
    const wanted = Math.min(layerForWidth(this.#tileWidths.get(consumerId) ?? 320), this.#bandwidthCap);
    if (c.appData.layer === wanted) return;
    c.appData.layer = wanted;
    await this.request('setPreferredLayers', { consumerId, spatialLayer: wanted }).catch(() => undefined);
  }

  async #consume(peerId: string, producerId: string): Promise<void> {
    if (!this.#recv || !this.#device) return;
    const info = await this.request('consume', { producerId });
    const consumer = await this.#recv.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters as unknown as types.RtpParameters,
      appData: { source: info.source },
    });
    this.#consumers.set(consumer.id, { consumer, peerId });
    const media: RemoteMedia = {
      consumerId: consumer.id,
      producerId,
      source: info.source,
      track: consumer.track,
      paused: info.producerPaused,
      framesDecoded: 0,
      spatialLayer: null,
    };
    this.#updatePeer(peerId, (p) => ({
      ...p,
      media: [...p.media.filter((m) => m.producerId !== producerId), media],
    }));
    await this.request('resumeConsumer', { consumerId: consumer.id });
    void this.#applyLayer(consumer.id);
  }

  #dropConsumer(consumerId: string): void {
    const entry = this.#consumers.get(consumerId);
    if (!entry) return;
    entry.consumer.close();
    this.#consumers.delete(consumerId);
    this.#updatePeer(entry.peerId, (p) => ({
      ...p,
      media: p.media.filter((m) => m.consumerId !== consumerId),
    }));
  }

  async #handle(n: RoundNotification): Promise<void> {
    switch (n.name) {
      case 'peerJoined':
        this.#set({
          peers: [
            ...this.#state.peers.filter((p) => p.peerId !== n.data.peer.peerId),
            { ...n.data.peer, media: [] },
          ],
        });
        return;
      case 'peerLeft':
        for (const [id, e] of this.#consumers) if (e.peerId === n.data.peerId) this.#dropConsumer(id);
        this.#set({ peers: this.#state.peers.filter((p) => p.peerId !== n.data.peerId) });
        return;
      case 'peerUpdated':
        this.#updatePeer(n.data.peerId, (p) => ({ ...p, audioOnly: n.data.audioOnly }));
        return;
      case 'newProducer':
        this.#updatePeer(n.data.peerId, (p) => ({
          ...p,
          producers: [
            ...p.producers.filter((x) => x.producerId !== n.data.producer.producerId),
            n.data.producer,
          ],
        }));
        await this.#consume(n.data.peerId, n.data.producer.producerId).catch(() => undefined);
        return;
      case 'producerClosed':
        for (const [id, e] of this.#consumers)
          if (e.consumer.producerId === n.data.producerId) this.#dropConsumer(id);
        this.#updatePeer(n.data.peerId, (p) => ({
          ...p,
          producers: p.producers.filter((x) => x.producerId !== n.data.producerId),
        }));
        return;
      case 'producerPaused':
        this.#updatePeer(n.data.peerId, (p) => ({
          ...p,
          media: p.media.map((m) =>
            m.producerId === n.data.producerId ? { ...m, paused: n.data.paused } : m,
          ),
        }));
        return;
      case 'consumerClosed':
        this.#dropConsumer(n.data.consumerId);
        return;
      case 'consumerLayersChanged': {
        const e = this.#consumers.get(n.data.consumerId);
        if (e) {
          this.#updatePeer(e.peerId, (p) => ({
            ...p,
            media: p.media.map((m) =>
              m.consumerId === n.data.consumerId ? { ...m, spatialLayer: n.data.spatialLayer } : m,
            ),
          }));
        }
        return;
      }
      case 'activeSpeaker':
        this.#set({ activeSpeaker: n.data.peerId });
        return;
      case 'chatMessage':
        if (!this.#state.chat.some((c) => c.id === n.data.message.id))
          this.#set({ chat: [...this.#state.chat, n.data.message] });
        return;
      case 'agendaChanged':
        this.#set({ agendaItemId: n.data.agendaItemId });
        return;
      case 'recordingChanged':
        this.#set({ recording: n.data.recording });
        return;
      case 'rejoin':
        await this.#rejoin();
        return;
      case 'replaced':
        this.#wantJoined = false;
        this.#teardownMedia();
        this.#set({ status: 'replaced', peers: [] });
        return;
      case 'roundEnded':
        this.#wantJoined = false;
        this.#teardownMedia();
        this.#set({ status: 'ended', peers: [] });
        return;
      default:
        assertUnreachable(n);
    }
  }

  /** Every 2 s: frames decoded per tile, and the link assessment (layer cap, audio-only proposal). */
  async #sampleStats(): Promise<void> {
    if (this.#state.status !== 'joined') return;
    const frames = new Map<string, number>();
    const inbound = new Map<string, InboundCounters>();
    for (const [id, { consumer }] of this.#consumers) {
      if (consumer.kind !== 'video' || consumer.closed) continue;
      const report = await consumer.getStats().catch(() => null);
      report?.forEach(
        (s: { type: string; framesDecoded?: number; packetsLost?: number; packetsReceived?: number }) => {
          if (s.type !== 'inbound-rtp') return;
          frames.set(id, s.framesDecoded ?? 0);
          inbound.set(id, { packetsLost: s.packetsLost ?? 0, packetsReceived: s.packetsReceived ?? 0 });
        },
      );
    }
    let uplink: number | null = null;
    const sendStats = await this.#send?.getStats().catch(() => null);
    sendStats?.forEach((s: { type: string; nominated?: boolean; availableOutgoingBitrate?: number }) => {
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate !== undefined)
        uplink = s.availableOutgoingBitrate;
    });
    const { spatialCap, proposeAudioOnly } = this.#link.assess(inbound, uplink, this.#state.audioOnly);
    if (spatialCap !== this.#bandwidthCap) {
      this.#bandwidthCap = spatialCap;
      for (const id of this.#consumers.keys()) void this.#applyLayer(id);
    }
    this.#set({
      proposeAudioOnly: !this.#state.audioOnly && (proposeAudioOnly || this.#state.proposeAudioOnly),
      peers: this.#state.peers.map((p) => ({
        ...p,
        media: p.media.map((m) =>
          frames.has(m.consumerId) ? { ...m, framesDecoded: frames.get(m.consumerId)! } : m,
        ),
      })),
    });
  }

  #teardownMedia(): void {
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    this.#local.closeProducers();
    this.#send?.close();
    this.#recv?.close();
    this.#send = this.#recv = null;
    this.#device = null;
    this.#link.reset();
    this.#set({ peers: this.#state.peers.map((p) => ({ ...p, media: [] })) });
  }

  /** Leave the round: close transports, stop devices, unsubscribe. */
  async leave(): Promise<void> {
    this.#wantJoined = false;
    this.#joinSeq++;
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#statsTimer = null;
    this.#socket.off('round:notify', this.#onNotify);
    this.#socket.off('connect', this.#onConnect);
    window.removeEventListener('online', this.#onNetworkChange);
    (navigator as Navigator & { connection?: EventTarget }).connection?.removeEventListener(
      'change',
      this.#onNetworkChange,
    );
    const wasJoined = this.#send !== null;
    this.#teardownMedia();
    this.#local.stopTracks();
    this.#set({ status: 'left', peers: [], localVideo: null, localScreen: null, sharing: false });
    if (wasJoined && this.#socket.connected) await this.request('leave', {}).catch(() => undefined);
  }
}

function assertUnreachable(x: never): never {
  throw new Error(`unhandled round notification ${JSON.stringify(x)}`);
}
