/**
 * Integration with a real mediasoup worker: an ffmpeg producer into a PlainTransport (rtcpMux off, comedia),
 * piped to a router on a second worker, consumed there into a UDP socket that counts packets; then recorded to WebM.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { loadConfig } from '../config';
import { MEDIA_CODECS } from './codecs';
import { Recorder } from './Recorder';
import { WorkerPool } from './WorkerPool';
import { ffmpegRtp, until } from './testing';

const silentLog = { info() {}, error() {}, warn() {}, debug() {} } as never;

describe('SFU with a real mediasoup worker', () => {
  const config = { ...loadConfig({}).sfu, workers: 2 };
  const pool = new WorkerPool(config, silentLog);
  const procs: ChildProcess[] = [];
  let routerA: types.Router;
  let routerB: types.Router;
  let producer: types.Producer;
  let audioProducer: types.Producer;

  beforeAll(async () => {
    await pool.ready();
    const [w1, w2] = pool.workers;
    routerA = await w1!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    routerB = await w2!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const ingest = async (kind: 'video' | 'audio', pt: number, ssrc: number) => {
      const t = await routerA.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: true,
      });
      const p = await t.produce({
        kind,
        rtpParameters: {
          codecs: [
            kind === 'video'
              ? { mimeType: 'video/VP8', payloadType: pt, clockRate: 90000 }
              : { mimeType: 'audio/opus', payloadType: pt, clockRate: 48000, channels: 2 },
          ],
          encodings: [{ ssrc }],
        },
      });
      procs.push(ffmpegRtp(kind, t.tuple.localPort, t.rtcpTuple!.localPort, { pt, ssrc }));
      return p;
    };
    producer = await ingest('video', 101, 1111);
    audioProducer = await ingest('audio', 100, 2222);
  });

  afterAll(() => {
    for (const p of procs) p.kill('SIGKILL');
    pool.close();
  });

  it('starts one worker per configured slot on distinct processes', () => {
    expect(pool.workers).toHaveLength(2);
    expect(new Set(pool.workers.map((w) => w.worker.pid)).size).toBe(2);
  });

  it('receives ffmpeg RTP on a PlainTransport, pipes it to a router on another worker and delivers it to a consumer', async () => {
    await until(
      async () => ((await producer.getStats())[0]?.packetCount ?? 0) > 20,
      15_000,
      'producer packets',
    );
    await routerA.pipeToRouter({ producerId: producer.id, router: routerB });

    const sink = dgram.createSocket('udp4');
    let received = 0;
    sink.on('message', () => received++);
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    const out = await routerB.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: false,
    });
    await out.connect({ ip: '127.0.0.1', port: sink.address().port });
    const consumer = await out.consume({
      producerId: producer.id,
      rtpCapabilities: routerB.rtpCapabilities,
      paused: true,
    });
    expect(consumer.kind).toBe('video');
    await consumer.resume();
    await until(() => received > 30, 15_000, 'consumed packets');
    // The worker's own counter agrees that RTP left the consumer (stats are sampled, so wait for them).
    const sent = async () =>
      (await consumer.getStats()).find((s) => s.type === 'outbound-rtp')?.packetCount ?? 0;
    await until(async () => (await sent()) > 30, 10_000, 'consumer outbound-rtp packetCount');
    expect(received).toBeGreaterThan(30);
    sink.close();
    out.close();
    expect(consumer.closed).toBe(true);
  });

  it('records the producers to a playable WebM with VP8 and Opus', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-'));
    const file = path.join(dir, 'r.webm');
    const rec = new Recorder({
      router: routerA,
      videoProducerId: producer.id,
      audioProducerIds: [audioProducer.id],
      file,
    });
    const done = new Promise<[boolean, number]>((r) => rec.once('done', (ok, size) => r([ok, size])));
    await rec.start();
    await until(() => rec.bytesWritten > 20_000, 20_000, 'recording bytes');
    await rec.stop();
    const [ok, size] = await done;
    expect(ok).toBe(true);
    expect(size).toBeGreaterThan(20_000);
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file],
      { encoding: 'utf8' },
    );
    expect(probe.stdout.split('\n').filter(Boolean).sort()).toEqual(['opus', 'vp8']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a worker that dies and reports which slot it was', async () => {
    const victim = pool.workers[1]!;
    const died = new Promise<[number, number]>((r) => pool.once('workerdied', (slot, pid) => r([slot, pid])));
    process.kill(victim.worker.pid, 'SIGKILL');
    const [slot, pid] = await died;
    expect(slot).toBe(1);
    expect(pid).toBe(victim.worker.pid);
    expect(pool.workers[1]!.worker.pid).not.toBe(pid);
    expect(pool.workers[1]!.worker.closed).toBe(false);
    expect(routerB.closed).toBe(true);
  });
});
