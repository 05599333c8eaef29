/**
 * The camera's simulcast layers, shared by the sender (the client encodes them) and the SFU (which must be able to
 * forward at least the smallest one to every receiver).
 */

/** ¼, ½ and full resolution, each with its bitrate ceiling (bps). */
export const CAMERA_LAYERS = [
  { scaleResolutionDownBy: 4, maxBitrate: 120_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 350_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_000_000 },
] as const;

/**
 * The least a receiver's link is assumed to carry (bps): the base layer with room to spare. Without such a floor
 * the SFU's estimate of a link that was weak for a while stays below the base layer once video stops (audio alone
 * never shows the link has recovered), so the receiver's video never comes back. Below the floor the client
 * proposes audio-only instead (linkQuality.ts).
 */
export const RECEIVE_FLOOR_BPS = Math.round(CAMERA_LAYERS[0].maxBitrate * 1.25);
