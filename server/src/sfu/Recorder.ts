import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';

export interface RecorderOptions {
  router: types.Router;
  /** Producers on `router` to record: one video (screen share or camera) and one audio track. */
  videoProducerId: string | null;
  audioProducerId: string | null;
  /** Output .webm path (its folder is created). */
  file: string;
  ffmpegPath?: string;
}

export type RecorderEvents = {
  /** ffmpeg exited: ok when a non-empty file was written. */
  done: [ok: boolean, sizeBytes: number];
};

interface Leg {
  kind: 'audio' | 'video';
  transport: types.PlainTransport;
  consumer: types.Consumer;
  port: number;
}

/** Two consecutive free UDP ports (RTP, RTCP = RTP + 1) on 127.0.0.1 for ffmpeg to listen on. */
export async function freeUdpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      a.once('error', reject);
      a.bind(0, '127.0.0.1', () => resolve(a.address().port));
    });
    if (port % 2 === 1 || port >= 65535) {
      a.close();
      continue;
    }
    const b = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 1, '127.0.0.1', () => resolve(true));
    });
    a.close();
    b.close();
    if (ok) return port;
  }
  throw new Error('no free UDP port pair for the recorder');
}

/**
 * Server-side recording: each recorded producer is consumed on a PlainTransport (rtcpMux off, as ffmpeg expects
 * RTCP on port + 1) that sends RTP to an ffmpeg reading an SDP file and copying VP8 + Opus into WebM, no
 * transcoding (-flush_packets: low-bitrate rounds otherwise sit in ffmpeg's 32 KB write buffer for a long time). Stop sends SIGINT so ffmpeg finalizes the file.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  readonly file: string;
  readonly #opts: RecorderOptions;
  #legs: Leg[] = [];
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

  async start(): Promise<void> {
    const { router } = this.#opts;
    const caps: types.RtpCapabilities = {
      codecs: (router.rtpCapabilities.codecs ?? []).filter((c) => !/\/rtx$/i.test(c.mimeType)),
      headerExtensions: [],
    };
    for (const [kind, producerId] of [
      ['video', this.#opts.videoProducerId],
      ['audio', this.#opts.audioProducerId],
    ] as const) {
      if (!producerId) continue;
      const port = await freeUdpPortPair();
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const consumer = await transport.consume({ producerId, rtpCapabilities: caps, paused: true });
      this.#legs.push({ kind, transport, consumer, port });
    }
    if (!this.#legs.length) throw new Error('nothing to record');

    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const sdpFile = `${this.file}.sdp`;
    fs.writeFileSync(sdpFile, this.#sdp());
    const ff = spawn(
      this.#opts.ffmpegPath ?? 'ffmpeg',
      [
        '-nostdin',
        '-loglevel',
        'warning',
        '-protocol_whitelist',
        'file,udp,rtp',
        '-fflags',
        '+genpts',
        '-i',
        sdpFile,
        '-map',
        '0',
        '-c',
        'copy',
        '-flush_packets',
        '1',
        '-f',
        'webm',
        '-y',
        this.file,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#ffmpeg = ff;
    ff.stderr!.on('data', (d: Buffer) => {
      if (this.#stderr.length < 20_000) this.#stderr += d.toString();
    });
    this.#exited = new Promise((resolve) => {
      ff.once('error', () => resolve(null));
      ff.once('exit', (code) => resolve(code));
    });
    void this.#exited.then(() => {
      fs.rmSync(sdpFile, { force: true });
      void this.#finish();
    });
    // ffmpeg opens its sockets right after start; then media flows and keyframes are asked for until one lands.
    this.#timers.push(setTimeout(() => void this.#resume(), 400));
    for (const ms of [1000, 2000, 4000]) {
      this.#timers.push(
        setTimeout(
          () =>
            this.#legs.forEach(
              (l) => l.kind === 'video' && void l.consumer.requestKeyFrame().catch(() => undefined),
            ),
          ms,
        ),
      );
    }
  }

  async #resume(): Promise<void> {
    for (const l of this.#legs) await l.consumer.resume().catch(() => undefined);
  }

  #sdp(): string {
    const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=consult-recording', 'c=IN IP4 127.0.0.1', 't=0 0'];
    for (const l of this.#legs) {
      const codec = l.consumer.rtpParameters.codecs[0]!;
      const name = codec.mimeType.split('/')[1]!;
      lines.push(`m=${l.kind} ${l.port} RTP/AVP ${codec.payloadType}`);
      lines.push(
        `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
      );
      lines.push('a=sendonly');
    }
    return lines.join('\r\n') + '\r\n';
  }

  /** Stop and finalize; resolves when ffmpeg has exited. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      for (const t of this.#timers) clearTimeout(t);
      const ff = this.#ffmpeg;
      if (ff && ff.exitCode === null && ff.signalCode === null) {
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
    for (const l of this.#legs) l.transport.close();
    this.#legs = [];
  }

  #finished = false;
  async #finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    for (const t of this.#timers) clearTimeout(t);
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
