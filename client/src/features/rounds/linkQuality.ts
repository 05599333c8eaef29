/**
 * Weak-link decisions, separate from the WebRTC plumbing so they can be tested: which simulcast layer a tile
 * needs, and when the link looks too weak for video (sustained loss, or a send-side bandwidth estimate below
 * what even the smallest layer plus audio needs).
 */

/** Spatial layer (0 = ¼ resolution, 1 = ½, 2 = full) for a tile this many device pixels wide. */
export const layerForWidth = (px: number): number => (px < 240 ? 0 : px < 560 ? 1 : 2);

/** Loss above this fraction in a sampling interval counts as a weak interval. */
export const LOSS_THRESHOLD = 0.08;
/** A send estimate below this (bit/s) counts as a weak interval. */
export const MIN_UPLINK_BPS = 150_000;
/** Weak intervals in a row before audio-only is proposed. */
export const WEAK_INTERVALS = 3;

export interface InboundCounters {
  packetsLost: number;
  packetsReceived: number;
}
export interface LinkAssessment {
  /** Highest spatial layer worth asking for right now. */
  spatialCap: number;
  proposeAudioOnly: boolean;
}

export class LinkMonitor {
  #last = new Map<string, InboundCounters>();
  #weak = 0;

  /** One sampling interval: cumulative inbound counters per consumer, and the send-side estimate if known. */
  assess(
    inbound: Map<string, InboundCounters>,
    availableOutgoingBitrate: number | null,
    audioOnly: boolean,
  ): LinkAssessment {
    let lossy = false;
    for (const [id, now] of inbound) {
      const prev = this.#last.get(id) ?? { packetsLost: 0, packetsReceived: 0 };
      this.#last.set(id, now);
      const lost = now.packetsLost - prev.packetsLost;
      const received = now.packetsReceived - prev.packetsReceived;
      if (received + lost > 20 && lost / (received + lost) > LOSS_THRESHOLD) lossy = true;
    }
    const lowUplink = availableOutgoingBitrate !== null && availableOutgoingBitrate < MIN_UPLINK_BPS;
    this.#weak = lossy || lowUplink ? this.#weak + 1 : Math.min(this.#weak, 0);
    return { spatialCap: lossy ? 0 : 2, proposeAudioOnly: !audioOnly && this.#weak >= WEAK_INTERVALS };
  }

  /** The user said no: do not ask again for a while (about ten intervals). */
  dismiss(): void {
    this.#weak = -10;
  }

  reset(): void {
    this.#last.clear();
    this.#weak = 0;
  }
}
