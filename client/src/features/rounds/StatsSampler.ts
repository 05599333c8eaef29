/**
 * The room's periodic stats sampler (every 2 s while joined): frames decoded per remote video tile, and the link
 * assessment from inbound loss and the send-side bandwidth estimate (the simulcast layer cap, and whether to
 * propose audio-only). The decisions themselves live in linkQuality.ts.
 */
import type { types } from 'mediasoup-client';
import { LinkMonitor, LossMeter, linkQuality, type InboundCounters, type LinkQuality } from './linkQuality';
import type { RoomState } from './roomTypes';

/** The part of a RoomClient the sampler reads and updates. */
export interface SamplerTarget {
  getState(): RoomState;
  set(patch: Partial<RoomState>): void;
  /** Open consumers by id, with the peer each one belongs to. */
  readonly consumers: ReadonlyMap<string, { consumer: types.Consumer; peerId: string }>;
  sendTransport(): types.Transport | null;
  recvTransport(): types.Transport | null;
  /** Ask again for the consumer's preferred layer (the cap changed). */
  applyLayer(consumerId: string): Promise<void>;
}

export class StatsSampler {
  readonly #room: SamplerTarget;
  #timer: ReturnType<typeof setInterval> | null = null;
  #link = new LinkMonitor();
  #loss = new LossMeter();
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
    this.#loss.reset();
  }

  /** The user declined audio-only: do not propose it again for a while. */
  dismissProposal(): void {
    this.#link.dismiss();
  }

  /**
   * One sample: frames decoded per tile, the link assessment (layer cap, audio-only proposal) and each
   * participant's connection quality — remote peers from the loss of everything received from them and our
   * round trip to the server, ourselves from the server's reports of what we send and our send round trip.
   */
  async sample(): Promise<void> {
    const room = this.#room;
    if (room.getState().status !== 'joined') return;
    const frames = new Map<string, number>();
    const inbound = new Map<string, InboundCounters>();
    const perPeer = new Map<string, InboundCounters>();
    for (const [id, { consumer, peerId }] of room.consumers) {
      if (consumer.closed) continue;
      const report = await consumer.getStats().catch(() => null);
      report?.forEach((s: Stat) => {
        if (s.type !== 'inbound-rtp') return;
        const counters = { packetsLost: s.packetsLost ?? 0, packetsReceived: s.packetsReceived ?? 0 };
        const sum = perPeer.get(peerId) ?? { packetsLost: 0, packetsReceived: 0 };
        perPeer.set(peerId, {
          packetsLost: sum.packetsLost + counters.packetsLost,
          packetsReceived: sum.packetsReceived + counters.packetsReceived,
        });
        if (consumer.kind !== 'video') return;
        frames.set(id, s.framesDecoded ?? 0);
        inbound.set(id, counters);
      });
    }
    const send = await transportStats(room.sendTransport());
    const recv = await transportStats(room.recvTransport());
    const { spatialCap, proposeAudioOnly } = this.#link.assess(
      inbound,
      send.uplink,
      room.getState().audioOnly,
    );
    if (spatialCap !== this.#spatialCap) {
      this.#spatialCap = spatialCap;
      for (const id of room.consumers.keys()) void room.applyLayer(id);
    }
    const quality: Record<string, LinkQuality> = {
      self: linkQuality(send.rttMs, this.#loss.sample('self', send.sent)),
    };
    for (const [peerId, counters] of perPeer)
      quality[peerId] = linkQuality(recv.rttMs, this.#loss.sample(peerId, counters));
    const state = room.getState();
    room.set({
      quality,
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

interface Stat {
  type: string;
  nominated?: boolean;
  availableOutgoingBitrate?: number;
  currentRoundTripTime?: number;
  roundTripTime?: number;
  framesDecoded?: number;
  packetsLost?: number;
  packetsReceived?: number;
  packetsSent?: number;
}

/**
 * A transport's round trip (the nominated ICE candidate pair, else the RTCP round trip of our sent streams), its
 * send-side bandwidth estimate, and for a send transport the loss the server reports of what we send.
 */
async function transportStats(t: types.Transport | null) {
  const out = {
    rttMs: null as number | null,
    uplink: null as number | null,
    sent: { packetsLost: 0, packetsReceived: 0 },
  };
  const report = await t?.getStats().catch(() => null);
  let sent = 0;
  report?.forEach((s: Stat) => {
    if (s.type === 'candidate-pair' && s.nominated) {
      if (s.availableOutgoingBitrate !== undefined) out.uplink = s.availableOutgoingBitrate;
      if (s.currentRoundTripTime !== undefined) out.rttMs = s.currentRoundTripTime * 1000;
    }
    if (s.type === 'remote-inbound-rtp') {
      out.sent.packetsLost += s.packetsLost ?? 0;
      if (out.rttMs === null && s.roundTripTime !== undefined) out.rttMs = s.roundTripTime * 1000;
    }
    if (s.type === 'outbound-rtp') sent += s.packetsSent ?? 0;
  });
  out.sent.packetsReceived = Math.max(0, sent - out.sent.packetsLost);
  return out;
}
