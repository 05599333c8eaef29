/**
 * The room, without React: mediasoup-client Device, one send and one receive transport, producers (mic, webcam
 * with three VP8 simulcast layers, screen), consumers of everyone else, and the weak-link behaviour: ICE restart
 * on network change or transport failure, the peer resumed after a socket drop with actions held until then
 * (roomResume.ts), rejoin when the server no longer has us, audio-only mode, layers from tile size and bandwidth.
 * React subscribes with useSyncExternalStore(subscribe, getState); notifications (roomNotifications.ts) and stats
 * sampling (StatsSampler.ts) see this client through `#inner`; what wakes it from outside (socket reconnects,
 * network changes, the tab closing) is roomWakeups.ts.
 */
import type { Device, types } from 'mediasoup-client';
import type { ReadyResult } from '@consult/shared';
import { connectSocket, type AppSocket } from '../../app/socket';
import { newId } from '../../app/ids';
import { LocalMedia } from './LocalMedia';
import { RoomResume } from './roomResume';
import { RoomWakeups } from './roomWakeups';
import { handleNotification, type NotificationTarget } from './roomNotifications';
import {
  initialRoomState,
  joinedState,
  RequestError,
  roomError,
  type PeerView,
  type RemoteMedia,
  type RoomState,
} from './roomTypes';
import { StatsSampler, type SamplerTarget } from './StatsSampler';
import { openTransports } from './transports';
import { RemoteMediaSet } from './RemoteMedia';
import { mark, roomRequest, warn, type Request } from './signalling';
import { loadDevice, loadedWith, readyData, rememberedDevice, remember } from './device';

export { RequestError, type PeerView, type RemoteMedia, type RoomState };

/** What a join answers when joining again cannot help. */
const REFUSED_FOR_GOOD: string[] = ['forbidden', 'not_found', 'invalid_transition'];
class JoinRefused extends RequestError {
  constructor(e: RequestError) {
    super(e.code, e.message);
  }
}

export class RoomClient {
  readonly roundId: string;
  #socket: AppSocket;
  #state: RoomState = initialRoomState();

  #listeners = new Set<() => void>();
  #device: Device | null = null;
  #send: types.Transport | null = null;
  #recv: types.Transport | null = null;
  #local = new LocalMedia((method, data) => this.request(method, data));
  readonly #remote = new RemoteMediaSet({
    request: (method, data) => this.request(method, data),
    updatePeer: (peerId, fn) => this.#updatePeer(peerId, fn),
    spatialCap: () => this.#stats.spatialCap,
  });
  #wantJoined = false;
  /** The join under way (or done) since join() was called; null after leave(). */
  #joining: Promise<void> | null = null;
  #joinSeq = 0;
  /** The last join request sent (see #joinOnce). */
  #joinRequest: Promise<unknown> = Promise.resolve();
  /** What the notification handler and the stats sampler may see and do (the state stays private here). */
  readonly #inner: NotificationTarget & SamplerTarget = {
    getState: () => this.#state,
    set: (patch) => this.#set(patch),
    updatePeer: (peerId, fn) => this.#updatePeer(peerId, fn),
    consumers: this.#remote.consumers,
    consume: (peerId, producerId) => this.#consume(peerId, producerId),
    dropWhere: (which) => this.#remote.dropWhere(which),
    rejoin: (why) => this.#rejoin(why),
    stop: (status) => this.#stop(status),
    sendTransport: () => this.#send,
    recvTransport: () => this.#recv,
    applyLayer: (consumerId) => this.#remote.applyLayer(consumerId),
  };
  readonly #stats = new StatsSampler(this.#inner);
  /** ICE restarts, the peer resumed after a socket drop, and actions held meanwhile (roomResume.ts). */
  readonly #resume: RoomResume;
  /** What wakes the room (roomWakeups.ts): the tab closing leaves at once, or the server would keep our peer. */
  readonly #wakeups: RoomWakeups;

  constructor(roundId: string, socket: AppSocket = connectSocket()) {
    this.roundId = roundId;
    this.#socket = socket;
    this.request = roomRequest(socket);
    this.#resume = new RoomResume(roundId, (method, data) => this.request(method, data), {
      ...this.#inner,
      wantJoined: () => this.#wantJoined,
      joinSeq: () => this.#joinSeq,
    });
    this.#wakeups = new RoomWakeups(socket, {
      notify: (n) => void handleNotification(this.#inner, n),
      reconnected: () => this.#resume.reconnected(),
      disconnected: () => this.#resume.disconnected(),
      networkChanged: () => void this.restartIce(),
      pageHidden: () => void this.leave(),
    });
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

  /** Ask the round's node; see signalling.ts. */
  request: Request;

  /**
   * Join with camera and microphone (unless audio-only). While a join started earlier (earlyJoin.ts) is under way
   * or done, returns that one; after leave() it joins again.
   */
  join(opts: { audioOnly?: boolean } = {}): Promise<void> {
    if (this.#wantJoined && this.#joining && this.#state.status !== 'error') return this.#joining;
    if (opts.audioOnly !== undefined) this.#set({ audioOnly: opts.audioOnly, camOn: !opts.audioOnly });
    this.#wantJoined = true;
    this.#wakeups.set(true);
    // No answer in time (a slow or moving server): keep trying as a rejoin would; a refusal or a media error stops.
    return (this.#joining = this.#joinOnce().catch((e: unknown) => {
      if (
        !(e instanceof RequestError) ||
        e instanceof JoinRefused ||
        e.code !== 'unavailable' ||
        !this.#wantJoined
      )
        throw e;
      return this.#rejoin('first join unanswered');
    }));
  }

  /**
   * One join. Several can be asked for at once during a failover (the socket reconnects, the transports fail and
   * the server says "rejoin"): each newer one supersedes the older, which then stops at its next step and leaves
   * no state behind, so only the newest join's transports and producers exist.
   * One round trip for the join and both transports, and `ready` with the consumers of what is already in the
   * room (sent right behind the join when the router's capabilities are known from an earlier join, device.ts;
   * else after it); then their resumes and our own camera and microphone. Each step leaves a performance mark
   * (`round:*`, read by `pnpm bench rounds`).
   */
  async #joinOnce(): Promise<void> {
    const seq = ++this.#joinSeq;
    const stale = () => seq !== this.#joinSeq;
    this.#set({ status: this.#state.status === 'idle' ? 'joining' : 'rejoining', error: null });
    this.#teardownMedia();
    let send: types.Transport | null = null;
    let recv: types.Transport | null = null;
    try {
      // The layer a new tile gets (setTileWidth refines it once the tile is laid out).
      const layer = this.#remote.initialLayer();
      // A device loaded with the router capabilities of an earlier join lets `ready` go right behind the join
      // (device.ts); not in audio-only mode, whose switch the server must see before the consumers.
      const remembered = this.#state.audioOnly ? Promise.resolve(null) : rememberedDevice();
      let readyAhead: Promise<ReadyResult | null> = Promise.resolve(null);
      // One join request at a time: a join asked for while another is on its way waits for its answer, and is
      // not sent at all if a newer one superseded it meanwhile.
      const sent = this.#joinRequest.then(() => {
        if (stale()) return null;
        mark('join-sent');
        const join = this.request('join', { roundId: this.roundId, transports: true });
        readyAhead = remembered.then((d) => d && this.request('ready', readyData(d.device, layer)));
        readyAhead.catch(() => undefined);
        return join;
      });
      this.#joinRequest = sent.catch(() => undefined);
      const joined = await sent.catch((e: unknown) => {
        throw e instanceof RequestError && REFUSED_FOR_GOOD.includes(e.code) ? new JoinRefused(e) : e;
      });
      mark('joined');
      if (stale() || !joined) return;
      console.debug(`round: join ${seq} answered (transports ${joined.transports?.recv.id ?? 'later'})`);
      // Peers first, before any await: a peerJoined arriving while the transports are created must not be
      // overwritten by this (older) list.
      this.#set(joinedState(joined));
      const early = await remembered;
      mark('device');
      let loaded = early;
      if (!loaded || !loadedWith(loaded, joined.routerRtpCapabilities)) {
        loaded = await loadDevice(joined.routerRtpCapabilities);
        remember(loaded);
        // The ready sent ahead made consumers for capabilities the server no longer has: join again.
        if (early) return stale() ? undefined : this.#joinOnce();
      }
      if (stale()) return;
      const device = loaded.device;
      const [sendT, recvT] = await openTransports(joined.transports, {
        device,
        iceServers: joined.iceServers as RTCIceServer[],
        request: this.request,
        onState: this.#resume.transportState,
      });
      [send, recv] = [sendT, recvT];
      if (stale()) return;
      [this.#device, this.#send, this.#recv] = [device, send, recv];
      this.#set({ status: 'joined' });
      mark('transports');
      if (this.#state.audioOnly) await this.request('setAudioOnly', { enabled: true });
      const ready = (await readyAhead) ?? (await this.request('ready', readyData(device, layer)));
      mark('ready');
      if (stale()) return;
      // Video first: its keyframe is what the first frame waits for.
      const consumers = [...(ready.consumers ?? [])].sort((a, b) =>
        a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1,
      );
      await Promise.all(
        consumers.map((c) =>
          this.#remote.receive(recvT, c, layer).catch((e: unknown) => warn(`receive ${c.kind}`, e)),
        ),
      );
      mark('consuming');
      if (stale()) return;
      this.#set({ settled: true });
      await this.#startLocalMedia();
      this.#stats.start();
    } catch (e) {
      if (stale()) return;
      this.#set({ status: 'error', settled: true, error: roomError(e) });
      throw e;
    } finally {
      // A superseded join's transports were never published: close them here (the newer join tore down its own).
      if (stale()) for (const t of [send, recv]) if (t && t !== this.#send && t !== this.#recv) t.close();
    }
  }

  async #rejoin(why: string): Promise<void> {
    console.info(`round: rejoining (${why}; was ${this.#state.status})`);
    this.#set({ status: 'rejoining', rejoins: this.#state.rejoins + 1 });
    for (let attempt = 0; this.#wantJoined && attempt < 30; attempt++) {
      const seq = this.#joinSeq + 1;
      try {
        await this.#joinOnce();
        return;
      } catch (e) {
        // Refused by the join itself (the round ended, or is not ours): no retry helps. Any later step failing
        // (the round moved to another node meanwhile, a timeout) is retried.
        if (e instanceof JoinRefused) return;
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
        // A newer join started while this one waited: that one carries on.
        if (this.#joinSeq !== seq) return;
      }
    }
  }

  /** ICE restart on both transports (network changed: Wi-Fi ↔ 4G, new address). */
  restartIce(): Promise<boolean> {
    return this.#resume.restartIce();
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
    await this.#local.setMicMuted(muted, this.#resume.asked);
  }

  async setCamera(on: boolean): Promise<void> {
    if (on === this.#state.camOn) return;
    if (on) {
      // The send transport as it is once the gate opens (a rejoin meanwhile makes a new one).
      this.#set({
        localVideo: await this.#resume.asked(() => this.#local.startCamera(this.#send)),
        camOn: true,
      });
    } else {
      await this.#local.stopCamera(this.#resume.asked);
      this.#set({ localVideo: null, camOn: false });
    }
  }

  /** Audio-only: stop sending and receiving video (the server pauses our video consumers). */
  async setAudioOnly(enabled: boolean): Promise<void> {
    this.#set({ audioOnly: enabled, proposeAudioOnly: false });
    this.#stats.resetLink();
    const { asked } = this.#resume;
    await asked(() => this.request('setAudioOnly', { enabled }));
    if (enabled) {
      await this.#local.stopCamera(asked);
      this.#set({ localVideo: null, camOn: false });
    } else this.#set({ localVideo: await asked(() => this.#local.startCamera(this.#send)), camOn: true });
  }

  dismissAudioOnlyProposal(): void {
    this.#stats.dismissProposal();
    this.#set({ proposeAudioOnly: false });
  }

  async shareScreen(): Promise<void> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 10 }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    this.#set({ localScreen: track, sharing: true });
    track.addEventListener('ended', () => void this.stopScreen());
    await this.#resume.asked(async () => {
      if (this.#send) await this.#local.produceScreen(this.#send, track);
    });
  }

  async stopScreen(): Promise<void> {
    await this.#local.stopScreen(this.#resume.asked);
    this.#set({ localScreen: null, sharing: false });
  }

  async sendChat(text: string): Promise<void> {
    // The message's id is chosen here, so asking again after a drop posts it once (the server answers the stored one).
    const id = newId();
    const m = await this.#resume.asked(() => this.request('chat', { id, text }));
    if (!this.#state.chat.some((c) => c.id === m.id)) this.#set({ chat: [...this.#state.chat, m] });
  }
  setAgendaItem = (agendaItemId: string | null) =>
    this.#resume.asked(() => this.request('setAgendaItem', { agendaItemId }));
  raiseHand = (raised: boolean) => this.#resume.asked(() => this.request('raiseHand', { raised }));
  /** The host or presenter lowers someone's hand. */
  lowerHand = (peerId: string) => this.#resume.asked(() => this.request('lowerHand', { peerId }));
  startRecording = () => this.#resume.asked(() => this.request('startRecording', {}));
  stopRecording = () => this.#resume.asked(() => this.request('stopRecording', {}));

  /** The UI reports each remote video tile's width; the consumer gets the layer that fits (capped by bandwidth). */
  setTileWidth(consumerId: string, px: number): void {
    this.#remote.setTileWidth(consumerId, px);
  }

  async #consume(peerId: string, producerId: string): Promise<void> {
    const recv = this.#recv;
    if (!recv || !this.#device) return;
    // A consumer of someone's new producer: its consume and resume are asked again after a drop (a join's are not:
    // the join itself is redone).
    const { asked } = this.#resume;
    await this.#remote.receive(
      recv,
      await asked(() => this.request('consume', { producerId })),
      undefined,
      asked,
    );
  }

  #teardownMedia(): void {
    this.#remote.closeAll();
    this.#local.closeProducers();
    this.#send?.close();
    this.#recv?.close();
    this.#send = this.#recv = null;
    this.#device = null;
    this.#stats.resetLink();
    this.#set({ peers: this.#state.peers.map((p) => ({ ...p, media: [] })) });
  }

  /** Replaced by another tab or device, or the round ended: no rejoin from here on. */
  #stop(status: 'replaced' | 'ended'): void {
    this.#wantJoined = false;
    this.#resume.reopen();
    this.#teardownMedia();
    this.#set({ status, peers: [], hands: [] });
  }

  /** Leave the round: close transports, stop devices, unsubscribe. */
  async leave(): Promise<void> {
    this.#wantJoined = false;
    this.#joining = null;
    this.#joinSeq++;
    this.#stats.stop();
    this.#wakeups.set(false);
    this.#resume.reopen();
    const wasJoined = this.#send !== null;
    this.#teardownMedia();
    this.#local.stopTracks();
    this.#set({ status: 'left', peers: [], hands: [], localVideo: null, localScreen: null, sharing: false });
    if (wasJoined && this.#socket.connected) await this.request('leave', {}).catch(() => undefined);
  }
}
