import type { types } from 'mediasoup';

/** Router codecs: Opus for speech, VP8 for simulcast video (three layers from the browser). */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 600 },
  },
];

/**
 * Least time between two keyframe requests to a video sender (mediasoup's `keyFrameRequestDelay`, ms): a request
 * within it of the previous one is held and sent when it ends. A browser ignores a keyframe request that arrives
 * within 300 ms of the last one it answered (libwebrtc's minimum keyframe interval); mediasoup repeats an
 * unanswered request only after 1 s, so a doctor joining right after someone else (whose join asked for a
 * keyframe) waited ~1.3 s for video instead of ~0.3 s. 400 ms leaves room for the two requests' network jitter.
 */
export const KEYFRAME_REQUEST_DELAY_MS = 400;
