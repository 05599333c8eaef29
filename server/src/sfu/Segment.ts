import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { types } from 'mediasoup';
import { MIX_RATE } from './AudioMixer';
import { RtpLeg } from './RtpLeg';

/** Start consumers a moment after their reader: ffmpeg opens its sockets right after it starts. */
export const READER_READY_MS = 400;

export interface SegmentOptions {
  router: types.Router;
  videoProducerId: string | null;
  /** The part file this segment writes (.webm). */
  file: string;
  ffmpegPath?: string;
  log(line: string): void;
}

/**
 * One continuous part of a recording: one ffmpeg writing WebM from one video producer (VP8, copied; keyframes asked
 * for until one lands) and the mixed voices arriving as PCM on its stdin (encoded to Opus). A recording switches
 * video by starting a new segment; the parts are joined when it stops.
 */
export class Segment {
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  private constructor(
    readonly file: string,
    readonly video: RtpLeg | null,
    readonly ffmpeg: ChildProcess,
    readonly exited: Promise<number | null>,
    readonly sdpFile: string,
  ) {}

  static async start(o: SegmentOptions): Promise<Segment> {
    const video = o.videoProducerId ? await RtpLeg.open(o.router, o.videoProducerId) : null;
    const sdpFile = `${o.file}.sdp`;
    if (video) fs.writeFileSync(sdpFile, video.sdp());
    const input = (args: string[]) => ['-thread_queue_size', '1024', ...args];
    const ff = spawn(
      o.ffmpegPath ?? 'ffmpeg',
      [
        ...[
          '-nostdin',
          '-loglevel',
          'warning',
          '-protocol_whitelist',
          'file,udp,rtp,pipe',
          '-fflags',
          '+genpts',
        ],
        ...(video ? input(['-i', sdpFile]) : []),
        ...input(['-f', 's16le', '-ar', String(MIX_RATE), '-ac', '1', '-i', 'pipe:0']),
        ...(video ? ['-map', '0:v', '-map', '1:a', '-c:v', 'copy'] : ['-map', '0:a']),
        ...['-c:a', 'libopus', '-b:a', '64k'],
        // Low-bitrate rounds would otherwise sit in ffmpeg's write buffer for a long time.
        ...['-flush_packets', '1', '-f', 'webm', '-y', o.file],
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    ff.stdin!.on('error', () => undefined); // ffmpeg gone: its exit tells the recorder
    ff.stderr!.on('data', (d: Buffer) => o.log(d.toString()));
    const exited = new Promise<number | null>((resolve) => {
      ff.once('error', () => resolve(null));
      ff.once('exit', (code) => resolve(code));
    });
    const seg = new Segment(o.file, video, ff, exited, sdpFile);
    if (video) {
      seg.#later(READER_READY_MS, () => void video.consumer.resume().catch(() => undefined));
      for (const ms of [1000, 2000, 4000])
        seg.#later(ms, () => void video.consumer.requestKeyFrame().catch(() => undefined));
    }
    return seg;
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }

  get stdin(): Writable {
    return this.ffmpeg.stdin!;
  }

  /** Bytes written so far. */
  get size(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /** End the audio, let ffmpeg finalize the part (SIGINT; SIGKILL after 10 s), release the video leg. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      for (const t of this.#timers) clearTimeout(t);
      const ff = this.ffmpeg;
      if (ff.exitCode === null && ff.signalCode === null) {
        ff.stdin?.end();
        ff.kill('SIGINT');
        const killer = setTimeout(() => ff.kill('SIGKILL'), 10_000);
        await this.exited;
        clearTimeout(killer);
      }
    }
    await this.exited;
    this.video?.close();
    fs.rmSync(this.sdpFile, { force: true });
  }
}
