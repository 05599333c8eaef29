/**
 * What the room receives: one mediasoup-client consumer per remote producer, shown on its peer's tile, and the
 * simulcast layer each video consumer asks for — the one that fits its tile's width, capped by the link's
 * bandwidth (StatsSampler). The room client owns one of these per join; the transports are its.
 */
import type { types } from 'mediasoup-client';
import type { ConsumerInfo, MediaSource } from '@consult/shared';
import { layerForWidth } from './linkQuality';
import type { PeerView, RemoteMedia } from './roomTypes';
import { askNow, mark, type Ask, type Request } from './signalling';

/** The width assumed for a remote video tile until the page reports its size. */
export const DEFAULT_TILE_PX = 320;

interface Pending {
  consumerId: string;
  producerId: string;
  peerId: string;
  source: MediaSource;
  cancelled: boolean;
}

export interface RemoteMediaDeps {
  request: Request;
  updatePeer: (peerId: string, fn: (p: PeerView) => PeerView) => void;
  /** The highest spatial layer the link carries now. */
  spatialCap: () => number;
}

export class RemoteMediaSet {
  readonly consumers = new Map<string, { consumer: types.Consumer; peerId: string }>();
  readonly #tileWidths = new Map<string, number>();
  /** Consumers being set up (between the server's answer and the track): a drop cancels them. */
  readonly #pending = new Set<Pending>();
  readonly #o: RemoteMediaDeps;

  constructor(o: RemoteMediaDeps) {
    this.#o = o;
  }

  /** The layer a new video consumer starts at (its tile's size is not known yet). */
  initialLayer = (): number => Math.min(layerForWidth(DEFAULT_TILE_PX), this.#o.spatialCap());

  /** The UI reports each remote video tile's width; the consumer gets the layer that fits (capped by bandwidth). */
  setTileWidth(consumerId: string, px: number): void {
    this.#tileWidths.set(consumerId, px);
    void this.applyLayer(consumerId);
  }

  async applyLayer(consumerId: string): Promise<void> {
    const c = this.consumers.get(consumerId)?.consumer;
    if (!c || c.kind !== 'video' || c.closed) return;
    const wanted = Math.min(
      layerForWidth(this.#tileWidths.get(consumerId) ?? DEFAULT_TILE_PX),
      this.#o.spatialCap(),
    );
    if (c.appData.layer === wanted) return;
    c.appData.layer = wanted;
    await this.#o.request('setPreferredLayers', { consumerId, spatialLayer: wanted }).catch(() => undefined);
  }

  /**
   * A consumer the server created (paused): receive it on `recv`, show it, then let the server resume it. A
   * peer shows one media per source (the server allows one producer per source), so a newer consumer replaces an
   * older one of the same peer and source. A drop that names this consumer while it is being set up (its peer
   * left, its producer closed) cancels it: it is closed instead of shown.
   */
  async receive(recv: types.Transport, info: ConsumerInfo, layer?: number, ask: Ask = askNow): Promise<void> {
    const { peerId, producerId } = info;
    // The same consumer answered twice (a consume asked again after the socket dropped, beside a join's ready).
    if (
      this.consumers.has(info.consumerId) ||
      [...this.#pending].some((p) => p.consumerId === info.consumerId)
    )
      return;
    // The newest consumer of a peer's source wins, also over one still being set up.
    this.dropWhere((e) => e.peerId === peerId && e.source === info.source);
    const pending: Pending = {
      consumerId: info.consumerId,
      producerId,
      peerId,
      source: info.source,
      cancelled: false,
    };
    this.#pending.add(pending);
    let consumer: types.Consumer;
    try {
      consumer = await recv.consume({
        id: info.consumerId,
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters as unknown as types.RtpParameters,
        // The layer the server created it with, if any: applyLayer asks for a change only.
        appData: { source: info.source, ...(layer !== undefined && info.kind === 'video' ? { layer } : {}) },
      });
    } finally {
      this.#pending.delete(pending);
    }
    mark(`consumed-${info.kind}`);
    if (pending.cancelled) return void consumer.close();
    this.consumers.set(consumer.id, { consumer, peerId });
    const media: RemoteMedia = {
      consumerId: consumer.id,
      producerId,
      source: info.source,
      track: consumer.track,
      paused: info.producerPaused,
      framesDecoded: 0,
      spatialLayer: null,
    };
    this.#o.updatePeer(peerId, (p) => ({
      ...p,
      media: [...p.media.filter((m) => m.producerId !== producerId), media],
    }));
    await ask(() => this.#o.request('resumeConsumer', { consumerId: consumer.id }));
    mark(`resumed-${info.kind}`);
    void this.applyLayer(consumer.id);
  }

  /** Close and unshow every consumer (open or being set up) that `which` selects. */
  dropWhere(which: (e: Omit<Pending, 'cancelled'>) => boolean): void {
    for (const p of this.#pending) if (which(p)) p.cancelled = true;
    for (const [consumerId, { consumer, peerId }] of this.consumers) {
      const source = consumer.appData.source as MediaSource;
      if (which({ consumerId, producerId: consumer.producerId, peerId, source })) this.drop(consumerId);
    }
  }

  drop(consumerId: string): void {
    const entry = this.consumers.get(consumerId);
    if (!entry) return;
    entry.consumer.close();
    this.consumers.delete(consumerId);
    this.#o.updatePeer(entry.peerId, (p) => ({
      ...p,
      media: p.media.filter((m) => m.consumerId !== consumerId),
    }));
  }

  closeAll(): void {
    for (const p of this.#pending) p.cancelled = true;
    for (const { consumer } of this.consumers.values()) consumer.close();
    this.consumers.clear();
  }
}
