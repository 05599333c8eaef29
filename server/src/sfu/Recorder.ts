import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import { AudioMixer, MIX_RATE } from './AudioMixer';
import { RtpLeg } from './RtpLeg';

export { freeUdpPortPair } from './RtpLeg';

export interface RecorderOptions {
  router: types.Router;
  /** The one video to record (screen share or a camera), if any. */
  videoProducerId: string | null;
  /** Every voice to mix in; more can be added while recording (`addAudio`). */
  audioProducerIds: string[];
  /** Output .webm path (its folder is created). */
  file: string;
  ffmpegPath?: string;
}

export type RecorderEvents = {
  /** ffmpeg exited: ok when a non-empty file was written. */
  done: [ok: boolean, sizeBytes: number];
};

/** A voice being mixed: its RTP leg and the ffmpeg that decodes it to PCM for the mixer. */
interface Voice {
  leg: RtpLeg;
  decoder: ChildProcess;
  sdpFile: string;
}

/** Start consumers a moment after their reader: ffmpeg opens its sockets right after it starts. */
const READER_READY_MS = 400;

/**
 * Server-side recording of a round into WebM. Video: one producer consumed on a PlainTransport into ffmpeg and
 * copied as VP8 (keyframes asked for until one lands). Audio: every participant's microphone, each decoded by its own
 * ffmpeg to PCM and mixed by `AudioMixer` on the wall clock (silence for whoever is muted; voices that join later
 * are added), then encoded once to Opus by the main ffmpeg. Stop ends the PCM stream and sends SIGINT so ffmpeg
 * finalizes the file.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  readonly file: string;
  readonly #opts: RecorderOptions;
  #video: RtpLeg | null = null;
  #voices = new Map<string, Voice>();
  /** Samples decoded per voice so far (for tests and diagnostics). */
  #heard = new Map<string, number>();
  #mixer: AudioMixer | null = null;
  #ffmpeg: ChildProcess | null = null;
  #timers: NodeJS.Timeout[] = [];
  #stderr = '';
  #exited: Promise<number | null> | null = null;
  #stopped = false;

  constructor(opts: RecorderOptions) {
    super();
    this.#opts = opts;
    this.file = opts.file;
  }

  get ffmpegLog(): string {
    return this.#stderr;
  }

  /** Samples of a voice decoded into the mix so far. */
  heard(producerId: string): number {
    return this.#heard.get(producerId) ?? 0;
  }

  /** Producer ids of the voices being mixed now. */
  get voices(): string[] {
    return [...this.#voices.keys()];
  }

  async start(): Promise<void> {
    const { router, videoProducerId, audioProducerIds } = this.#opts;
    if (!videoProducerId && audioProducerIds.length === 0) throw new Error('nothing to record');
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (videoProducerId) this.#video = await RtpLeg.open(router, videoProducerId);
    const videoSdp = `${this.file}.video.sdp`;
    if (this.#video) fs.writeFileSync(videoSdp, this.#video.sdp());

    const input = (args: string[]) => ['-thread_queue_size', '1024', ...args];
    const ff = spawn(
      this.#opts.ffmpegPath ?? 'ffmpeg',
      [
        '-nostdin',
        '-loglevel',
        'warning',
        '-protocol_whitelist',
        'file,udp,rtp,pipe',
        '-fflags',
        '+genpts',
        ...(this.#video ? input(['-i', videoSdp]) : []),
        ...input(['-f', 's16le', '-ar', String(MIX_RATE), '-ac', '1', '-i', 'pipe:0']),
        ...(this.#video ? ['-map', '0:v', '-map', '1:a', '-c:v', 'copy'] : ['-map', '0:a']),
        ...['-c:a', 'libopus', '-b:a', '64k'],
        // Low-bitrate rounds would otherwise sit in ffmpeg's write buffer for a long time.
        ...['-flush_packets', '1', '-f', 'webm', '-y', this.file],
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    this.#ffmpeg = ff;
    ff.stdin!.on('error', () => undefined); // ffmpeg gone: its exit is handled below
    ff.stderr!.on('data', (d: Buffer) => {
      if (this.#stderr.length < 20_000) this.#stderr += d.toString();
    });
    this.#exited = new Promise((resolve) => {
      ff.once('error', () => resolve(null));
      ff.once('exit', (code) => resolve(code));
    });
    void this.#exited.then(() => {
      fs.rmSync(videoSdp, { force: true });
      void this.#finish();
    });
    this.#mixer = new AudioMixer(ff.stdin!);
    this.#mixer.start();
    for (const id of audioProducerIds) await this.addAudio(id);

    const video = this.#video;
    if (video) {
      this.#later(READER_READY_MS, () => void video.consumer.resume().catch(() => undefined));
      for (const ms of [1000, 2000, 4000])
        this.#later(ms, () => void video.consumer.requestKeyFrame().catch(() => undefined));
    }
  }

  /** Mix one more voice in (a participant who started speaking after the recording began). */
  async addAudio(producerId: string): Promise<void> {
    if (this.#stopped || !this.#mixer || this.#voices.has(producerId)) return;
    const leg = await RtpLeg.open(this.#opts.router, producerId);
    if (this.#stopped) return leg.close();
    const sdpFile = `${this.file}.${producerId}.sdp`;
    fs.writeFileSync(sdpFile, leg.sdp());
    const decoder = spawn(
      this.#opts.ffmpegPath ?? 'ffmpeg',
      [
        '-nostdin',
        '-loglevel',
        'error',
        '-protocol_whitelist',
        'file,udp,rtp',
        // The SDP names the codec: start decoding at once instead of probing seconds of a late joiner's voice.
        ...['-analyzeduration', '0', '-probesize', '32', '-fflags', 'nobuffer'],
        '-i',
        sdpFile,
        ...['-f', 's16le', '-ar', String(MIX_RATE), '-ac', '1', 'pipe:1'],
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const mixer = this.#mixer;
    mixer.add(producerId);
    decoder.stdout!.on('data', (pcm: Buffer) => {
      this.#heard.set(producerId, (this.#heard.get(producerId) ?? 0) + pcm.length / 2);
      mixer.push(producerId, pcm);
    });
    decoder.once('error', () => this.#removeAudio(producerId));
    this.#voices.set(producerId, { leg, decoder, sdpFile });
    // The participant left or stopped their microphone: their voice leaves the mix.
    leg.consumer.once('producerclose', () => this.#removeAudio(producerId));
    this.#later(READER_READY_MS, () => void leg.consumer.resume().catch(() => undefined));
  }

  #removeAudio(producerId: string): void {
    const v = this.#voices.get(producerId);
    if (!v) return;
    this.#voices.delete(producerId);
    this.#mixer?.remove(producerId);
    v.decoder.kill('SIGKILL');
    v.leg.close();
    fs.rmSync(v.sdpFile, { force: true });
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  /** Stop and finalize; resolves when ffmpeg has exited. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      for (const t of this.#timers) clearTimeout(t);
      this.#mixer?.stop();
      for (const id of [...this.#voices.keys()]) this.#removeAudio(id);
      const ff = this.#ffmpeg;
      if (ff && ff.exitCode === null && ff.signalCode === null) {
        ff.stdin?.end();
        ff.kill('SIGINT');
        const killer = setTimeout(() => ff.kill('SIGKILL'), 10_000);
        await this.#exited;
        clearTimeout(killer);
      }
    }
    await this.#exited;
    this.#closeLegs();
  }

  #closeLegs(): void {
    this.#video?.close();
    this.#video = null;
    for (const id of [...this.#voices.keys()]) this.#removeAudio(id);
  }

  #finished = false;
  async #finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#mixer?.stop();
    this.#closeLegs();
    let size = 0;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      size = 0;
    }
    this.emit('done', size > 0, size);
  }
}
