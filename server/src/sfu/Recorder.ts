import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import { AudioMixer, MIX_RATE } from './AudioMixer';
import { RtpLeg } from './RtpLeg';
import { READER_READY_MS, Segment } from './Segment';

export { freeUdpPortPair } from './RtpLeg';

export interface RecorderOptions {
  router: types.Router;
  /** The video to record first (screen share or a camera), if any; `switchVideo` changes it later. */
  videoProducerId: string | null;
  /** Every voice to mix in; more can be added while recording (`addAudio`). */
  audioProducerIds: string[];
  /** Output .webm path (its folder is created). */
  file: string;
  ffmpegPath?: string;
}

export type RecorderEvents = {
  /** The recording ended (stopped, or ffmpeg failed): ok when a non-empty file was written. */
  done: [ok: boolean, sizeBytes: number];
};

/** A voice being mixed: its RTP leg and the ffmpeg that decodes it to PCM for the mixer. */
interface Voice {
  leg: RtpLeg;
  decoder: ChildProcess;
  sdpFile: string;
}

/**
 * Server-side recording of a round into one WebM. Video: one producer at a time, copied as VP8 (`Segment`); when
 * the recorded video changes (someone starts sharing a screen) a new segment starts and the parts are joined
 * losslessly at the end. Audio: every participant's microphone decoded by its own ffmpeg to PCM and mixed by
 * `AudioMixer` on the wall clock (silence for whoever is muted; voices that start later join the mix), encoded once
 * to Opus.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  readonly file: string;
  readonly #opts: RecorderOptions;
  #segments: Segment[] = [];
  #current: Segment | null = null;
  #voices = new Map<string, Voice>();
  /** Samples decoded per voice so far (for tests and diagnostics). */
  #heard = new Map<string, number>();
  #mixer: AudioMixer | null = null;
  #stderr = '';
  #stopped = false;
  #stopping: Promise<void> | null = null;
  /** Video switches run one after another. */
  #switching: Promise<void> = Promise.resolve();

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

  /** The video being recorded now. */
  get videoProducerId(): string | null {
    return this.#current?.video?.producerId ?? null;
  }

  /** Bytes written so far over all parts. */
  get bytesWritten(): number {
    return this.#segments.reduce((n, s) => n + s.size, 0);
  }

  async start(): Promise<void> {
    const { videoProducerId, audioProducerIds } = this.#opts;
    if (!videoProducerId && audioProducerIds.length === 0) throw new Error('nothing to record');
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const first = await this.#startSegment(videoProducerId);
    this.#mixer = new AudioMixer(first.stdin);
    this.#mixer.start();
    for (const id of audioProducerIds) await this.addAudio(id);
  }

  async #startSegment(videoProducerId: string | null): Promise<Segment> {
    const seg = await Segment.start({
      router: this.#opts.router,
      videoProducerId,
      file: `${this.file}.part${this.#segments.length}.webm`,
      ...(this.#opts.ffmpegPath ? { ffmpegPath: this.#opts.ffmpegPath } : {}),
      log: (line) => {
        if (this.#stderr.length < 20_000) this.#stderr += line;
      },
    });
    this.#segments.push(seg);
    this.#current = seg;
    // The part's ffmpeg died on its own (not switched away from, not stopped): the recording ends there.
    void seg.exited.then(() => {
      if (this.#current === seg && !this.#stopped) void this.stop();
    });
    return seg;
  }

  /**
   * Record another video from now on (a screen share started, or the shared screen stopped and a camera takes
   * over). Only while video is being recorded: the joined parts must have the same streams.
   */
  switchVideo(producerId: string): Promise<void> {
    this.#switching = this.#switching.then(async () => {
      const prev = this.#current;
      if (this.#stopped || !prev?.video || prev.video.producerId === producerId) return;
      const next = await this.#startSegment(producerId);
      this.#mixer?.setOutput(next.stdin);
      await prev.stop();
    });
    return this.#switching;
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
        ...['-nostdin', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp'],
        // The SDP names the codec: start decoding at once instead of probing seconds of a late joiner's voice.
        ...['-analyzeduration', '0', '-probesize', '32', '-fflags', 'nobuffer'],
        ...['-i', sdpFile, '-f', 's16le', '-ar', String(MIX_RATE), '-ac', '1', 'pipe:1'],
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
    setTimeout(() => void leg.consumer.resume().catch(() => undefined), READER_READY_MS);
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

  /** Stop, finalize and join the parts; resolves when the file is complete ('done' emitted). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      await this.#switching.catch(() => undefined);
      this.#mixer?.stop();
      for (const id of [...this.#voices.keys()]) this.#removeAudio(id);
      await this.#current?.stop();
      const size = await this.#join();
      this.emit('done', size > 0, size);
    })();
    return this.#stopping;
  }

  /** One part: renamed into place. Several: joined without re-encoding (ffmpeg concat demuxer). */
  async #join(): Promise<number> {
    const parts = this.#segments
      .map((s) => s.file)
      .filter((f) => fs.existsSync(f) && fs.statSync(f).size > 0);
    try {
      if (parts.length === 1) fs.renameSync(parts[0]!, this.file);
      if (parts.length > 1) {
        const list = `${this.file}.parts.txt`;
        fs.writeFileSync(list, parts.map((p) => `file '${p.replace(/'/g, "'\\''")}'`).join('\n') + '\n');
        const ff = spawn(
          this.#opts.ffmpegPath ?? 'ffmpeg',
          [
            '-nostdin',
            '-loglevel',
            'error',
            '-f',
            'concat',
            '-safe',
            '0',
            '-i',
            list,
            '-c',
            'copy',
            '-y',
            this.file,
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        ff.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString().slice(0, 2000)));
        const code = await new Promise<number | null>((resolve) => {
          ff.once('error', () => resolve(null));
          ff.once('exit', (c) => resolve(c));
        });
        fs.rmSync(list, { force: true });
        if (code !== 0 || !fs.existsSync(this.file)) {
          // Never lose the recording: keep the parts beside it and make the first one the file.
          this.#stderr += `\njoining ${parts.length} parts failed (${code}); parts kept beside the file`;
          fs.copyFileSync(parts[0]!, this.file);
          return fs.statSync(this.file).size;
        }
      }
    } catch (err) {
      this.#stderr += `\nfinalizing failed: ${(err as Error).message}`;
      return 0;
    }
    for (const s of this.#segments) fs.rmSync(s.file, { force: true });
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }
}
