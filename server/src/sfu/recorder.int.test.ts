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

  const produce = async (
    kind: 'video' | 'audio',
    pt: number,
    ssrc: number,
    more: { frequency?: number; colour?: string } = {},
  ) => {
    const { producer, sender } = await syntheticProducer(router, kind, { pt, ssrc, ...more });
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
    const a = await produce('audio', 100, 2221, { frequency: 440 });
    const b = await produce('audio', 100, 2222, { frequency: 1000 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-mix-'));
    const file = path.join(dir, 'round.webm');
    const rec = new Recorder({ router, videoProducerId: video.id, audioProducerIds: [a.id, b.id], file });
    const done = new Promise<boolean>((r) => rec.once('done', (ok) => r(ok)));
    await rec.start();
    const size = () => rec.bytesWritten;
    await until(() => size() > 40_000, 30_000, 'recorded bytes');

    // A participant who switches the microphone on after the recording started.
    const c = await produce('audio', 100, 2223, { frequency: 1760 });
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

  it('switches to a screen share started during the recording and joins the parts into one file', async () => {
    const camera = await produce('video', 101, 3331);
    const voice = await produce('audio', 100, 3332, { frequency: 660 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-switch-'));
    const file = path.join(dir, 'round.webm');
    const rec = new Recorder({ router, videoProducerId: camera.id, audioProducerIds: [voice.id], file });
    const done = new Promise<boolean>((r) => rec.once('done', (ok) => r(ok)));
    await rec.start();
    await until(() => rec.bytesWritten > 30_000, 30_000, 'camera recorded');
    const screen = await produce('video', 101, 3333, { colour: 'red' });
    await rec.switchVideo(screen.id);
    expect(rec.videoProducerId).toBe(screen.id);
    const before = rec.bytesWritten;
    await until(() => rec.bytesWritten > before + 10_000, 30_000, 'screen share recorded');
    await rec.stop();
    expect(await done).toBe(true);
    // One file, no parts left beside it; one video and one audio stream.
    expect(fs.readdirSync(dir)).toEqual(['round.webm']);
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file],
      {
        encoding: 'utf8',
      },
    );
    expect(probe.stdout.split('\n').filter(Boolean).sort()).toEqual(['opus', 'vp8']);
    // Frames sampled twice a second, shrunk to one pixel: the camera's test pattern first, the red screen last.
    const px = spawnSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-i',
        file,
        '-map',
        '0:v',
        '-vf',
        'fps=2,scale=1:1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    ).stdout;
    expect(px.length / 3).toBeGreaterThanOrEqual(4);
    const isRed = (i: number) => px[i * 3]! > 180 && px[i * 3 + 1]! < 60 && px[i * 3 + 2]! < 60;
    expect(isRed(0)).toBe(false);
    expect(isRed(px.length / 3 - 1)).toBe(true);
    expect(tonePower(decodedAudio(file), 660)).toBeGreaterThan(tonePower(decodedAudio(file), 2500) * 50);
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
