import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { MediaSource, RoundNotification, RoundPerson } from '@consult/shared';
import { conflict, DomainError } from '../errors';
import { MEDIA_CODECS } from './codecs';
import { Peer, producerInfo, type ProducerAppData, type TransportListen } from './Peer';
import { Recorder } from './Recorder';
import type { WorkerPool } from './WorkerPool';

export interface RoomOptions {
  roundId: string;
  hostId: string;
  pool: WorkerPool;
  listen: TransportListen;
  /** Peers per router before the room spreads to a router on another worker (then producers are piped). */
  peersPerRouter?: number;
}

export type RoomEvents = {
  /** The room closed (last peer left, worker died, round ended); `reason` says why. */
  close: [reason: RoomCloseReason];
};
/** `moved`: this node lost the round's lease (another node serves it now). */
export type RoomCloseReason = 'empty' | 'worker_died' | 'ended' | 'shutdown' | 'moved';

interface RouterSlot {
  router: types.Router;
  worker: types.Worker;
  peers: number;
}
interface ProducerEntry {
  meta: ProducerAppData;
  home: types.Router;
  producer: types.Producer<ProducerAppData>;
}

export interface RoomDump {
  roundId: string;
  peers: string[];
  routers: {
    routerId: string;
    workerPid: number;
    /** Every transport of the router: the browsers' WebRTC ones, pipes between the room's routers, recorders'. */
    transports: number;
    /** The browsers' transports alone (two per joined peer). */
    peerTransports: number;
    producers: number;
    consumers: number;
  }[];
  recording: boolean;
}

/**
 * The media side of one round: a router per worker it spans (first router on the least-loaded worker; more when
 * `peersPerRouter` is reached, with every producer piped to every router of the room), an ActiveSpeakerObserver,
 * the peers, and the recorder. Close cascades: routers close → transports/producers/consumers close.
 */
export class Room extends EventEmitter<RoomEvents> {
  readonly roundId: string;
  readonly hostId: string;
  readonly #pool: WorkerPool;
  readonly #listen: TransportListen;
  readonly #peersPerRouter: number;
  readonly #routers: RouterSlot[] = [];
  readonly peers = new Map<string, Peer>();
  readonly #producers = new Map<string, ProducerEntry>();
  #speaker: types.ActiveSpeakerObserver | null = null;
  #recorder: { recorder: Recorder; id: string } | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(opts: RoomOptions) {
    super();
    this.roundId = opts.roundId;
    this.hostId = opts.hostId;
    this.#pool = opts.pool;
    this.#listen = opts.listen;
    this.#peersPerRouter = opts.peersPerRouter ?? 50;
  }

  get closed(): boolean {
    return this.#closed;
  }
  get rtpCapabilities(): types.RtpCapabilities {
    const r = this.#routers[0];
    if (!r) throw new DomainError('unavailable', 'the room has no router');
    return r.router.rtpCapabilities;
  }
  get recordingId(): string | null {
    return this.#recorder?.id ?? null;
  }

  /** Serialize placement so two joins never create two routers on the same worker. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #addRouter(exclude: Set<types.Worker>): Promise<RouterSlot> {
    const pw = this.#pool.leastLoaded(exclude);
    // Never two routers of one room on one worker (nothing to gain, and piping needs two workers).
    const same = this.#routers.find((r) => r.worker === pw.worker && !r.router.closed);
    if (same) return same;
    const router = await pw.worker.createRouter({
      mediaCodecs: MEDIA_CODECS,
      appData: { roundId: this.roundId },
    });
    const slot: RouterSlot = { router, worker: pw.worker, peers: 0 };
    router.on('workerclose', () => this.close('worker_died'));
    if (this.#closed) {
      router.close();
      throw new DomainError('conflict', 'the room closed');
    }
    if (!this.#routers.length) {
      this.#speaker = await router.createActiveSpeakerObserver({ interval: 300 });
      this.#speaker.on('dominantspeaker', ({ producer }) => {
        const peerId = this.#producers.get(producer.id)?.meta.peerId ?? null;
        this.broadcast({ name: 'activeSpeaker', data: { peerId } });
      });
    }
    this.#routers.push(slot);
    // A new router of the room receives every existing producer.
    for (const [producerId, e] of this.#producers)
      await e.home.pipeToRouter({ producerId, router }).catch(() => undefined);
    return slot;
  }

  async #placeRouter(): Promise<RouterSlot> {
    const open = this.#routers.filter((r) => r.peers < this.#peersPerRouter && !r.router.closed);
    if (open.length) return open.reduce((a, b) => (b.peers < a.peers ? b : a));
    const used = new Set(this.#routers.map((r) => r.worker));
    const spare = this.#pool.workers.some((w) => !w.worker.closed && !used.has(w.worker));
    if (spare || !this.#routers.length) return this.#addRouter(used);
    return this.#routers.reduce((a, b) => (b.peers < a.peers ? b : a));
  }

  /** Add a peer; a previous peer of the same user (stale tab or dropped socket) is closed and told so. */
  addPeer(opts: {
    person: RoundPerson;
    socketId: string;
    notify: (n: RoundNotification) => void;
  }): Promise<Peer> {
    return this.#serial(async () => {
      if (this.#closed) throw new DomainError('conflict', 'the room closed; join again');
      const stale = this.peers.get(opts.person.userId);
      if (stale) {
        stale.notify({ name: 'replaced', data: {} });
        stale.close();
      }
      const slot = await this.#placeRouter();
      const peer = new Peer({ ...opts, router: slot.router });
      slot.peers++;
      const pw = this.#pool.entryOf(slot.worker);
      if (pw) pw.peers++;
      this.peers.set(peer.id, peer);
      peer.once('close', () => {
        slot.peers--;
        if (pw) pw.peers--;
        if (this.peers.get(peer.id) === peer) {
          this.peers.delete(peer.id);
          this.broadcast({ name: 'peerLeft', data: { peerId: peer.id } });
        }
        if (this.peers.size === 0) setImmediate(() => this.peers.size === 0 && this.close('empty'));
      });
      this.broadcast({ name: 'peerJoined', data: { peer: peer.info() } }, peer.id);
      return peer;
    });
  }

  /** A WebRTC transport for the peer on the room's listen address (SFU_LISTEN_IP / SFU_ANNOUNCED_IP). */
  createTransport(peer: Peer, direction: 'send' | 'recv') {
    return peer.createTransport(direction, this.#listen);
  }

  /** Producers other peers can consume (everything except the peer's own). */
  consumableBy(peer: Peer): ProducerAppData[] {
    return [...this.#producers.entries()]
      .filter(([, e]) => e.meta.peerId !== peer.id)
      .map(([id, e]) => ({ ...e.meta, producerId: id }));
  }

  producerMeta(producerId: string): ProducerAppData {
    const e = this.#producers.get(producerId);
    if (!e) throw new DomainError('not_found', 'producer not found');
    return e.meta;
  }

  async produce(
    peer: Peer,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: MediaSource,
  ) {
    const producer = await peer.produce(transportId, kind, rtpParameters, source);
    const entry: ProducerEntry = { meta: producer.appData, home: peer.router, producer };
    this.#producers.set(producer.id, entry);
    producer.observer.once('close', () => {
      this.#producers.delete(producer.id);
      // The recorded video went away (screen share stopped, camera off): record the next best one.
      const rec = this.#recorder?.recorder;
      if (rec && rec.videoProducerId === producer.id) {
        const next = this.#recordableVideo();
        if (next) void rec.switchVideo(next).catch(() => undefined);
      }
      if (!this.#closed)
        this.broadcast(
          { name: 'producerClosed', data: { peerId: peer.id, producerId: producer.id } },
          peer.id,
        );
    });
    // Other routers of the room get it before anyone is told it exists.
    for (const r of this.#routers) {
      if (r.router !== peer.router && !r.router.closed)
        await peer.router.pipeToRouter({ producerId: producer.id, router: r.router });
    }
    if (kind === 'audio' && this.#speaker && !this.#speaker.closed) {
      await this.#speaker.addProducer({ producerId: producer.id }).catch(() => undefined);
    }
    // A recording hears every microphone and shows a shared screen as soon as it starts.
    if (source === 'mic' && this.#recorder)
      await this.#recorder.recorder.addAudio(producer.id).catch(() => undefined);
    if (source === 'screen' && this.#recorder)
      await this.#recorder.recorder.switchVideo(producer.id).catch(() => undefined);
    this.broadcast(
      { name: 'newProducer', data: { peerId: peer.id, producer: producerInfo(producer) } },
      peer.id,
    );
    return producer;
  }

  async pauseProducer(peer: Peer, producerId: string, paused: boolean): Promise<void> {
    const p = peer.producer(producerId);
    if (paused) await p.pause();
    else await p.resume();
    this.broadcast({ name: 'producerPaused', data: { peerId: peer.id, producerId, paused } }, peer.id);
  }

  broadcast(n: RoundNotification, exceptPeerId?: string): void {
    for (const p of this.peers.values()) if (p.id !== exceptPeerId) p.notify(n);
  }

  /** The video a recording shows: a screen share if any, else a camera (the host's first). */
  #recordableVideo(): string | null {
    const all = [...this.#producers.entries()];
    const pick = (source: MediaSource) =>
      all.find(([, e]) => e.meta.source === source && e.meta.peerId === this.hostId)?.[0] ??
      all.find(([, e]) => e.meta.source === source)?.[0] ??
      null;
    return pick('screen') ?? pick('webcam');
  }

  /**
   * Record the screen share if any, else the host's (or anyone's) camera, with every microphone mixed (voices that
   * start later join the mix as they are produced).
   */
  async startRecording(id: string, file: string, ffmpegPath?: string): Promise<Recorder> {
    if (this.#recorder) throw conflict('already recording');
    const all = [...this.#producers.entries()];
    const video = this.#recordableVideo();
    const voices = all.filter(([, e]) => e.meta.source === 'mic').map(([id]) => id);
    if (!video && voices.length === 0) throw conflict('nobody is sending audio or video yet');
    const recorder = new Recorder({
      router: this.#routers[0]!.router,
      videoProducerId: video,
      audioProducerIds: voices,
      file,
      ...(ffmpegPath ? { ffmpegPath } : {}),
    });
    this.#recorder = { recorder, id };
    recorder.once('done', () => {
      if (this.#recorder?.recorder === recorder) this.#recorder = null;
    });
    try {
      await recorder.start();
    } catch (e) {
      this.#recorder = null;
      await recorder.stop().catch(() => undefined);
      throw e;
    }
    return recorder;
  }

  async stopRecording(): Promise<void> {
    const r = this.#recorder;
    if (!r) throw conflict('not recording');
    this.#recorder = null;
    await r.recorder.stop();
  }

  async dump(): Promise<RoomDump> {
    const routers = await Promise.all(
      this.#routers
        .filter((r) => !r.router.closed)
        .map(async (r) => {
          const d = await r.router.dump();
          const consumers = d.mapProducerIdConsumerIds.reduce((n, e) => n + e.values.length, 0);
          return {
            routerId: r.router.id,
            workerPid: r.worker.pid,
            transports: d.transportIds.length,
            peerTransports: [...this.peers.values()]
              .filter((p) => p.router === r.router)
              .reduce((n, p) => n + p.transports.size, 0),
            producers: d.mapProducerIdConsumerIds.length,
            consumers,
          };
        }),
    );
    return { roundId: this.roundId, peers: [...this.peers.keys()], routers, recording: !!this.#recorder };
  }

  /**
   * Close everything. Peers are told to rejoin when the media server failed under them or the round moves to
   * another node. Idempotent.
   */
  close(reason: RoomCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    if (reason === 'worker_died') this.broadcast({ name: 'rejoin', data: { reason: 'worker_died' } });
    if (reason === 'moved' || reason === 'shutdown')
      this.broadcast({ name: 'rejoin', data: { reason: 'moved' } });
    if (reason === 'ended') this.broadcast({ name: 'roundEnded', data: {} });
    const rec = this.#recorder;
    this.#recorder = null;
    const peers = [...this.peers.values()];
    this.peers.clear();
    for (const p of peers) p.routerClosed();
    const finish = () => {
      for (const r of this.#routers) r.router.close();
    };
    // Let ffmpeg finalize before its transports go away.
    if (rec) void rec.recorder.stop().finally(finish);
    else finish();
    this.emit('close', reason);
  }
}
