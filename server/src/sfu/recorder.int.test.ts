/**
 * Recording a round with a real mediasoup worker: every microphone is heard in the WebM, including a voice that
 * starts after the recording began, and a muted voice does not stall it. Tones from ffmpeg senders (440, 1000 and
 * 1760 Hz) stand for three participants; the recorded audio is decoded with ffmpeg and each tone measured.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { loadConfig } from '../config';
import { AudioMixer } from './AudioMixer';
import { MEDIA_CODECS } from './codecs';
import { Recorder } from './Recorder';
import { syntheticProducer, tonePower, until } from './testing';
import { WorkerPool } from './WorkerPool';

const silentLog = { info() {}, error() {}, warn() {}, debug() {} } as never;

/** The recording's audio as 48 kHz mono samples. */
function decodedAudio(file: string): Int16Array {
  const out = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', '48000', 'pipe:1'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const b = out.stdout;
  return new Int16Array(b.buffer, b.byteOffset, Math.floor(b.length / 2));
}

describe('recording mixes every voice', () => {
  const pool = new WorkerPool({ ...loadConfig({}).sfu, workers: 1 }, silentLog);
  const senders: ChildProcess[] = [];
  let router: types.Router;

  beforeAll(async () => {
    await pool.ready();
    router = await pool.workers[0]!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  });
  afterAll(() => {
    for (const s of senders) s.kill('SIGKILL');
    pool.close();
  });

  const produce = async (kind: 'video' | 'audio', pt: number, ssrc: number, frequency?: number) => {
    const { producer, sender } = await syntheticProducer(router, kind, {
      pt,
      ssrc,
      ...(frequency && { frequency }),
    });
    senders.push(sender);
    await until(
      async () => ((await producer.getStats())[0]?.packetCount ?? 0) > 10,
      15_000,
      `${kind} packets`,
    );
    return producer;
  };

  it('hears two voices from the start and a third that joins later; a muted one leaves silence, not a stall', async () => {
    const video = await produce('video', 101, 1111);
    const a = await produce('audio', 100, 2221, 440);
    const b = await produce('audio', 100, 2222, 1000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-mix-'));
    const file = path.join(dir, 'round.webm');
    const rec = new Recorder({ router, videoProducerId: video.id, audioProducerIds: [a.id, b.id], file });
    const done = new Promise<boolean>((r) => rec.once('done', (ok) => r(ok)));
    await rec.start();
    const size = () => (fs.existsSync(file) ? fs.statSync(file).size : 0);
    await until(() => size() > 40_000, 30_000, 'recorded bytes');

    // A participant who switches the microphone on after the recording started.
    const c = await produce('audio', 100, 2223, 1760);
    await rec.addAudio(c.id);
    expect(rec.voices.sort()).toEqual([a.id, b.id, c.id].sort());
    // Two seconds of the late voice reach the mix (heard from then on, not after a long probe).
    await until(() => rec.heard(c.id) > 2 * 48_000, 15_000, 'the late voice in the mix');
    // Two participants mute (no RTP at all from them): the recording keeps growing.
    await a.pause();
    await b.pause();
    const before = size();
    await until(() => size() > before + 40_000, 30_000, 'recording to go on while muted');
    // One leaves: their voice leaves the mix.
    a.close();
    await until(() => !rec.voices.includes(a.id), 5_000, 'the departed voice to leave the mix');
    await rec.stop();
    expect(await done).toBe(true);

    const pcm = decodedAudio(file);
    expect(pcm.length / 48_000).toBeGreaterThan(2);
    const noise = tonePower(pcm, 2500);
    for (const f of [440, 1000, 1760]) expect(tonePower(pcm, f), `${f} Hz`).toBeGreaterThan(noise * 50);
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file],
      {
        encoding: 'utf8',
      },
    );
    expect(probe.stdout.split('\n').filter(Boolean).sort()).toEqual(['opus', 'vp8']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mixes on the wall clock: sums inputs, clips, and fills silence for an input that has nothing', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const mixer = new AudioMixer(out);
    mixer.add('loud');
    mixer.add('quiet');
    mixer.add('silent');
    const pcm = (v: number, n: number) => {
      const b = Buffer.alloc(n * 2);
      for (let i = 0; i < n; i++) b.writeInt16LE(v, i * 2);
      return b;
    };
    mixer.push('loud', pcm(30_000, 960));
    mixer.push('quiet', pcm(1_000, 960));
    mixer.push('nobody', pcm(5_000, 960)); // not an input: ignored
    mixer.start();
    const bytes = () => chunks.reduce((n, c) => n + c.length, 0);
    await until(() => bytes() >= 4 * 960 * 2, 5_000, 'mixed output');
    mixer.stop();
    const all = Buffer.concat(chunks);
    expect(all.readInt16LE(0)).toBe(31_000);
    mixer.remove('quiet');
    expect(mixer.inputs.sort()).toEqual(['loud', 'silent']);
    // After the pushed 20 ms, only silence: the stream goes on instead of waiting for data.
    expect(all.readInt16LE(all.length - 2)).toBe(0);
    const clip = new AudioMixer(new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
    clip.add('x');
    clip.add('y');
    clip.push('x', pcm(30_000, 960));
    clip.push('y', pcm(30_000, 960));
    chunks.length = 0;
    clip.start();
    await until(() => bytes() >= 2, 5_000, 'clipped output');
    clip.stop();
    expect(Buffer.concat(chunks).readInt16LE(0)).toBe(32_767);
  });
});
