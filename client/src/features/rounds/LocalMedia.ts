/**
 * This participant's own media: microphone, camera (three VP8 simulcast layers) and screen tracks, and their
 * producers on the current send transport. Tracks outlive transports, so a rejoin re-produces the same tracks.
 */
import type { types } from 'mediasoup-client';
import { CAMERA_LAYERS, type MediaSource } from '@consult/shared';
import { askNow, type Ask, type Request } from './signalling';

/** ¼, ½ and full resolution; the SFU forwards to each receiver the layer its tile and link allow. */
export const SIMULCAST: RTCRtpEncodingParameters[] = CAMERA_LAYERS.map((l) => ({ ...l }));

export class LocalMedia {
  readonly #request: Request;
  readonly #producers = new Map<MediaSource, types.Producer>();
  mic: MediaStreamTrack | null = null;
  cam: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;

  constructor(request: Request) {
    this.#request = request;
  }

  async produceMic(send: types.Transport, muted: boolean): Promise<void> {
    if (!this.mic || this.mic.readyState === 'ended') {
      this.mic = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0] ?? null;
    }
    if (!this.mic) return;
    this.#producers.set(
      'mic',
      await send.produce({ track: this.mic, appData: { source: 'mic' }, stopTracks: false }),
    );
    if (muted) await this.setMicMuted(true);
  }

  /**
   * Muted here at once (the track stops sending); the server's producer is paused through `ask` (the room's
   * resume gate, roomResume.ts). The same for the camera and the screen below.
   */
  async setMicMuted(muted: boolean, ask: Ask = askNow): Promise<void> {
    const p = this.#producers.get('mic');
    if (!p) return;
    if (muted) p.pause();
    else p.resume();
    await ask(() => this.#request('pauseProducer', { producerId: p.id, paused: muted }));
  }

  /** Start (or re-produce) the camera; returns the local track for the self-view. */
  async startCamera(send: types.Transport | null): Promise<MediaStreamTrack | null> {
    if (!this.cam || this.cam.readyState === 'ended') {
      this.cam =
        (
          await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: 15 } })
        ).getVideoTracks()[0] ?? null;
    }
    if (!this.cam || !send) return this.cam;
    const p = await send.produce({
      track: this.cam,
      encodings: SIMULCAST,
      codecOptions: { videoGoogleStartBitrate: 600 },
      appData: { source: 'webcam' },
      stopTracks: false,
    });
    this.#producers.set('webcam', p);
    return this.cam;
  }

  async stopCamera(ask: Ask = askNow): Promise<void> {
    const closed = this.#closeProducer('webcam', ask); // the producer closes here, before the track stops
    this.cam?.stop();
    this.cam = null;
    await closed;
  }

  async produceScreen(send: types.Transport, track: MediaStreamTrack): Promise<void> {
    this.screen = track;
    const p = await send.produce({
      track,
      appData: { source: 'screen' },
      stopTracks: false,
      encodings: [{ maxBitrate: 1_200_000 }],
    });
    this.#producers.set('screen', p);
  }

  async stopScreen(ask: Ask = askNow): Promise<void> {
    const closed = this.#closeProducer('screen', ask); // the producer closes here, before the track stops
    this.screen?.stop();
    this.screen = null;
    await closed;
  }

  async #closeProducer(source: MediaSource, ask: Ask): Promise<void> {
    const p = this.#producers.get(source);
    this.#producers.delete(source);
    if (!p) return;
    p.close();
    await ask(() => this.#request('closeProducer', { producerId: p.id })).catch(() => undefined);
  }

  /** The transport is going away (leave or rejoin): drop the producers, keep the tracks. */
  closeProducers(): void {
    for (const p of this.#producers.values()) p.close();
    this.#producers.clear();
  }

  /** Leaving: release camera, microphone and screen. */
  stopTracks(): void {
    this.closeProducers();
    for (const t of [this.mic, this.cam, this.screen]) t?.stop();
    this.mic = this.cam = this.screen = null;
  }
}
