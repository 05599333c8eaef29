/** Test helpers for the SFU: synthetic RTP senders (ffmpeg test patterns and tones) into a router. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { types } from 'mediasoup';

/** ffmpeg sending a test pattern or a plain colour (VP8), or a sine tone (Opus) as RTP to 127.0.0.1:port, paced in real time. */
export function ffmpegRtp(
  kind: 'video' | 'audio',
  port: number,
  rtcpPort: number,
  opts: { pt: number; ssrc: number; frequency?: number; colour?: string },
): ChildProcess {
  const pattern = opts.colour
    ? `color=c=${opts.colour}:size=320x240:rate=15`
    : 'testsrc=size=320x240:rate=15';
  const input =
    kind === 'video'
      ? [
          ...['-f', 'lavfi', '-i', pattern, '-an'],
          ...['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '300k', '-g', '15'],
        ]
      : [
          ...['-f', 'lavfi', '-i', `sine=frequency=${opts.frequency ?? 440}:sample_rate=48000`, '-vn'],
          ...['-c:a', 'libopus', '-ac', '2', '-b:a', '48k'],
        ];
  return spawn(
    'ffmpeg',
    [
      ...['-nostdin', '-loglevel', 'error', '-re', ...input],
      ...['-ssrc', String(opts.ssrc), '-payload_type', String(opts.pt), '-f', 'rtp'],
      `rtp://127.0.0.1:${port}?rtcpport=${rtcpPort}&pkt_size=1200`,
    ],
    { stdio: 'ignore' },
  );
}

/** A producer on `router` fed by an ffmpeg sender through a PlainTransport (comedia). */
export async function syntheticProducer(
  router: types.Router,
  kind: 'video' | 'audio',
  opts: { pt: number; ssrc: number; frequency?: number; colour?: string },
): Promise<{ producer: types.Producer; sender: ChildProcess }> {
  const t = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
  const producer = await t.produce({
    kind,
    rtpParameters: {
      codecs: [
        kind === 'video'
          ? { mimeType: 'video/VP8', payloadType: opts.pt, clockRate: 90000 }
          : { mimeType: 'audio/opus', payloadType: opts.pt, clockRate: 48000, channels: 2 },
      ],
      encodings: [{ ssrc: opts.ssrc }],
    },
  });
  const sender = ffmpegRtp(kind, t.tuple.localPort, t.rtcpTuple!.localPort, opts);
  producer.observer.once('close', () => sender.kill('SIGKILL'));
  return { producer, sender };
}

/** Power of one frequency in 16-bit mono PCM (Goertzel), normalised by length. */
export function tonePower(samples: Int16Array, frequency: number, rate = 48_000): number {
  const k = 2 * Math.cos((2 * Math.PI * frequency) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

/** Poll `cond` (sync or async) every 50 ms until it holds, or fail naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The way in for a synthetic VP8 sender: a plain RTP transport on 127.0.0.1 that learns the sender's address from
 * its first packet (comedia), and a video producer of one SSRC on it.
 */
export async function plainVp8Producer(
  router: types.Router,
  opts: { ssrc: number; pt: number; rtcpFeedback?: types.RtcpFeedback[]; keyFrameRequestDelay?: number },
): Promise<{ transport: types.PlainTransport; producer: types.Producer }> {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: true,
  });
  const codec = { mimeType: 'video/VP8', payloadType: opts.pt, clockRate: 90000 };
  const producer = await transport.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [opts.rtcpFeedback ? { ...codec, rtcpFeedback: opts.rtcpFeedback } : codec],
      encodings: [{ ssrc: opts.ssrc }],
    },
    ...(opts.keyFrameRequestDelay !== undefined ? { keyFrameRequestDelay: opts.keyFrameRequestDelay } : {}),
  });
  return { transport, producer };
}
