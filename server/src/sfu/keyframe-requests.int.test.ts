/**
 * Keyframe requests reach a video sender spaced so a browser answers every one. A browser (libwebrtc) ignores a
 * request that arrives within 300 ms of the last one it answered, and mediasoup repeats an unanswered one only
 * after 1 s: a doctor who joined a round right after someone else waited ~1.3 s for the host's video (seen in
 * `pnpm bench rounds`, about one join in ten). Here a real mediasoup worker forwards a synthetic VP8 sender that
 * answers requests as a browser does; two receivers join back to back. With the producer option the server uses
 * (codecs.ts KEYFRAME_REQUEST_DELAY_MS) no request is ignored and the second receiver gets its keyframe from the
 * first answered request; the same scene with mediasoup's default shows the fault.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { loadConfig } from '../config';
import { KEYFRAME_REQUEST_DELAY_MS, MEDIA_CODECS } from './codecs';
import { WorkerPool } from './WorkerPool';
import { plainVp8Producer, until } from './testing';

const silentLog = { info() {}, error() {}, warn() {}, debug() {} } as never;
/** libwebrtc's minimum interval between answered keyframe requests. */
const BROWSER_MIN_INTERVAL_MS = 300;
const PT = 101;
const SSRC = 5151;

/** Whether an RTCP compound packet holds a PLI (payload-specific feedback, FMT 1) or a FIR (FMT 4). */
function asksKeyframe(buf: Buffer): boolean {
  for (let o = 0; o + 4 <= buf.length; o += (buf.readUInt16BE(o + 2) + 1) * 4) {
    if (buf[o + 1] === 206 && [1, 4].includes(buf[o]! & 0x1f)) return true;
  }
  return false;
}

/**
 * A VP8 sender at 30 fps (one packet per frame) that answers keyframe requests as a browser does: a request
 * within BROWSER_MIN_INTERVAL_MS of the last answered one is ignored. It sends keyframes only when asked.
 */
function browserLikeSender(port: number) {
  const sock = dgram.createSocket('udp4');
  const requests: { at: number; answered: boolean }[] = [];
  let lastAnswered = -Infinity;
  let keyNext = false;
  let seq = 0;
  let pic = 0;
  sock.on('message', (msg) => {
    if (!asksKeyframe(msg)) return;
    const at = performance.now();
    const answered = at - lastAnswered >= BROWSER_MIN_INTERVAL_MS;
    requests.push({ at, answered });
    if (answered) {
      lastAnswered = at;
      keyNext = true;
    }
  });
  const timer = setInterval(() => {
    const key = keyNext;
    keyNext = false;
    const buf = Buffer.alloc(12 + 200);
    buf[0] = 0x80;
    buf[1] = 0x80 | PT;
    buf.writeUInt16BE(seq++ & 0xffff, 2);
    buf.writeUInt32BE((pic * 3000) >>> 0, 4);
    buf.writeUInt32BE(SSRC, 8);
    // VP8 payload descriptor (X=1 S=1, I=1, 15-bit picture id), then the payload header: P=0 on a keyframe.
    buf[12] = 0x90;
    buf[13] = 0x80;
    buf.writeUInt16BE(0x8000 | (pic++ & 0x7fff), 14);
    buf[16] = key ? 0x10 : 0x11;
    if (key) buf.set([0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00], 17);
    sock.send(buf, port, '127.0.0.1');
  }, 1000 / 30);
  return { requests, stop: () => (clearInterval(timer), sock.close()) };
}

/** A receiver: a UDP socket a consumer sends to, resolving `keyframe` at the first keyframe it gets. */
async function receiver() {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  let gotKeyframe!: (at: number) => void;
  const keyframe = new Promise<number>((r) => (gotKeyframe = r));
  sock.on('message', (msg) => {
    const payloadType = msg[1]! & 0x7f;
    if (msg.length > 17 && payloadType === PT && (msg[16]! & 0x01) === 0) gotKeyframe(performance.now());
  });
  return { port: sock.address().port, keyframe, close: () => sock.close() };
}

describe('keyframe requests to a video sender (a real mediasoup worker)', () => {
  const pool = new WorkerPool({ ...loadConfig({}).sfu, workers: 1 }, silentLog);
  let router: types.Router;

  beforeAll(async () => {
    await pool.ready();
    router = await pool.workers[0]!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  }, 30_000);
  afterAll(() => pool.close());

  /** A sender producing with `keyFrameRequestDelay`, and two receivers consuming it one right after the other. */
  async function backToBack(keyFrameRequestDelay: number) {
    const { transport: ingest, producer } = await plainVp8Producer(router, {
      ssrc: SSRC,
      pt: PT,
      rtcpFeedback: [{ type: 'nack', parameter: 'pli' }],
      keyFrameRequestDelay,
    });
    const sender = browserLikeSender(ingest.tuple.localPort);
    // The worker learns the sender's address from its first packet (comedia): only then can it ask for keyframes.
    await until(
      async () => (await producer.getStats()).some((s) => s.packetCount > 0),
      5000,
      'the first packet from the sender',
    );
    const consume = async () => {
      const r = await receiver();
      const t = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await t.connect({ ip: '127.0.0.1', port: r.port });
      const since = performance.now();
      await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      return { since, keyframe: r.keyframe, close: () => (r.close(), t.close()) };
    };
    try {
      const first = await consume();
      await first.keyframe;
      // The second joins as soon as the first has its picture: its request follows the first one closely.
      const second = await consume();
      const waited = (await second.keyframe) - second.since;
      first.close();
      second.close();
      return { waited, requests: sender.requests };
    } finally {
      sender.stop();
      ingest.close();
    }
  }

  it('with the server’s delay, no request is ignored and the second receiver waits less than the 1 s repeat', async () => {
    const { waited, requests } = await backToBack(KEYFRAME_REQUEST_DELAY_MS);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.filter((r) => !r.answered)).toEqual([]);
    expect(waited).toBeLessThan(1000);
  }, 20_000);

  it('with mediasoup’s default (no delay), the request right behind another is ignored and repeated after 1 s', async () => {
    const { waited, requests } = await backToBack(0);
    expect(requests.some((r) => !r.answered)).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(900);
  }, 20_000);
});
