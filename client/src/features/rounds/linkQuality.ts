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

/** What a participant's tile and list entry show about their connection. */
export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';
export interface LinkQuality {
  level: QualityLevel;
  /** Round-trip time to the media server, ms (null: not measured yet). */
  rttMs: number | null;
  /** Packets lost in the last interval, percent (null: too few packets to say). */
  lossPct: number | null;
}

/** Thresholds: good below 150 ms and 2 % loss; poor from 400 ms or 8 % loss (as LOSS_THRESHOLD); fair between. */
export function qualityLevel(rttMs: number | null, lossPct: number | null): QualityLevel {
  if (rttMs === null && lossPct === null) return 'unknown';
  const rtt = rttMs ?? 0;
  const loss = lossPct ?? 0;
  if (rtt >= 400 || loss >= LOSS_THRESHOLD * 100) return 'poor';
  if (rtt >= 150 || loss >= 2) return 'fair';
  return 'good';
}

/**
 * Loss per participant over the last interval, from cumulative counters: inbound-rtp (packetsLost,
 * packetsReceived) of everything received from a peer, or for oneself the server's receiver reports of what we
 * send (remote-inbound-rtp: packetsLost against our outbound packetsSent).
 */
export class LossMeter {
  #last = new Map<string, InboundCounters>();

  /** Percent lost since the previous call for `key`; null below 10 packets (not enough to tell). */
  sample(key: string, now: InboundCounters): number | null {
    const prev = this.#last.get(key) ?? { packetsLost: 0, packetsReceived: 0 };
    this.#last.set(key, now);
    const lost = Math.max(0, now.packetsLost - prev.packetsLost);
    const total = lost + Math.max(0, now.packetsReceived - prev.packetsReceived);
    return total < 10 ? null : (100 * lost) / total;
  }

  reset(): void {
    this.#last.clear();
  }
}

/** One participant's quality from an interval's measurements. */
export const linkQuality = (rttMs: number | null, lossPct: number | null): LinkQuality => ({
  level: qualityLevel(rttMs, lossPct),
  rttMs: rttMs === null ? null : Math.round(rttMs),
  lossPct: lossPct === null ? null : Math.round(lossPct * 10) / 10,
});
