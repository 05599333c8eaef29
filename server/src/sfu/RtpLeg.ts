import dgram from 'node:dgram';
import type { types } from 'mediasoup';

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
 * One producer consumed on a PlainTransport that sends its RTP to 127.0.0.1:port (RTCP on port + 1, rtcpMux off,
 * as ffmpeg expects), paused until the reader is listening; `sdp` describes it for ffmpeg.
 */
export class RtpLeg {
  private constructor(
    readonly producerId: string,
    readonly transport: types.PlainTransport,
    readonly consumer: types.Consumer,
    readonly port: number,
  ) {}

  static async open(router: types.Router, producerId: string): Promise<RtpLeg> {
    const caps: types.RtpCapabilities = {
      codecs: (router.rtpCapabilities.codecs ?? []).filter((c) => !/\/rtx$/i.test(c.mimeType)),
      headerExtensions: [],
    };
    const port = await freeUdpPortPair();
    const transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: false,
      comedia: false,
    });
    try {
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const consumer = await transport.consume({ producerId, rtpCapabilities: caps, paused: true });
      return new RtpLeg(producerId, transport, consumer, port);
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  get kind(): types.MediaKind {
    return this.consumer.kind;
  }

  /** The m= section of this leg. */
  media(): string[] {
    const codec = this.consumer.rtpParameters.codecs[0]!;
    const name = codec.mimeType.split('/')[1]!;
    return [
      `m=${this.kind} ${this.port} RTP/AVP ${codec.payloadType}`,
      `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
      'a=sendonly',
    ];
  }

  /** A whole SDP session with this leg alone. */
  sdp(): string {
    return sdpOf([this]);
  }

  close(): void {
    this.transport.close();
  }
}

export function sdpOf(legs: RtpLeg[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=consult-recording', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const l of legs) lines.push(...l.media());
  return lines.join('\r\n') + '\r\n';
}
