/**
 * The room's periodic stats sampler (every 2 s while joined): frames decoded per remote video tile, and the link
 * assessment from inbound loss and the send-side bandwidth estimate (the simulcast layer cap, and whether to
 * propose audio-only). The decisions themselves live in linkQuality.ts.
 */
import type { types } from 'mediasoup-client';
import { LinkMonitor, type InboundCounters } from './linkQuality';
import type { RoomState } from './roomTypes';

/** The part of a RoomClient the sampler reads and updates. */
export interface SamplerTarget {
  getState(): RoomState;
  set(patch: Partial<RoomState>): void;
  /** Open consumers by id. */
  readonly consumers: ReadonlyMap<string, { consumer: types.Consumer }>;
  sendTransport(): types.Transport | null;
  /** Ask again for the consumer's preferred layer (the cap changed). */
  applyLayer(consumerId: string): Promise<void>;
}

export class StatsSampler {
  readonly #room: SamplerTarget;
  #timer: ReturnType<typeof setInterval> | null = null;
  #link = new LinkMonitor();
  #spatialCap = 2;

  constructor(room: SamplerTarget) {
    this.#room = room;
  }

  /** Highest spatial layer the link is worth asking for right now. */
  get spatialCap(): number {
    return this.#spatialCap;
  }

  /** Start sampling (no-op when already running). */
  start(): void {
    this.#timer ??= setInterval(() => void this.sample(), 2000);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Forget the link history (new transports, or audio-only toggled). */
  resetLink(): void {
    this.#link.reset();
  }

  /** The user declined audio-only: do not propose it again for a while. */
  dismissProposal(): void {
    this.#link.dismiss();
  }

  /** One sample: frames decoded per tile, and the link assessment (layer cap, audio-only proposal). */
  async sample(): Promise<void> {
    const room = this.#room;
    if (room.getState().status !== 'joined') return;
    const frames = new Map<string, number>();
    const inbound = new Map<string, InboundCounters>();
    for (const [id, { consumer }] of room.consumers) {
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
    const sendStats = await room
      .sendTransport()
      ?.getStats()
      .catch(() => null);
    sendStats?.forEach((s: { type: string; nominated?: boolean; availableOutgoingBitrate?: number }) => {
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate !== undefined)
        uplink = s.availableOutgoingBitrate;
    });
    const { spatialCap, proposeAudioOnly } = this.#link.assess(inbound, uplink, room.getState().audioOnly);
    if (spatialCap !== this.#spatialCap) {
      this.#spatialCap = spatialCap;
      for (const id of room.consumers.keys()) void room.applyLayer(id);
    }
    const state = room.getState();
    room.set({
      proposeAudioOnly: !state.audioOnly && (proposeAudioOnly || state.proposeAudioOnly),
      peers: state.peers.map((p) => ({
        ...p,
        media: p.media.map((m) =>
          frames.has(m.consumerId) ? { ...m, framesDecoded: frames.get(m.consumerId)! } : m,
        ),
      })),
    });
  }
}
