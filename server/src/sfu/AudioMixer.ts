import type { Writable } from 'node:stream';

export const MIX_RATE = 48_000;
const TICK_MS = 20;
/** An input more than this far ahead of the clock (a burst after a stall) loses its oldest samples. */
const MAX_BACKLOG_SAMPLES = MIX_RATE / 2;

/**
 * Mixes the round's voices for a recording: each input is 16-bit mono PCM at 48 kHz arriving whenever its decoder
 * delivers it; the mixer emits one continuous stream paced by the wall clock, summing whatever each input has and
 * filling silence for inputs that have nothing (a muted or silent participant never stalls the recording).
 * Inputs come and go while it runs (a participant who joins late is heard from then on).
 */
export class AudioMixer {
  #out: Writable;
  #inputs = new Map<string, Int16Array[]>();
  #timer: NodeJS.Timeout | null = null;
  #start = 0;
  #emitted = 0;

  constructor(out: Writable) {
    this.#out = out;
  }

  /** Send the stream somewhere else from the next tick on (the recorder started a new segment). */
  setOutput(out: Writable): void {
    this.#out = out;
  }

  get inputs(): string[] {
    return [...this.#inputs.keys()];
  }

  add(id: string): void {
    if (!this.#inputs.has(id)) this.#inputs.set(id, []);
  }

  remove(id: string): void {
    this.#inputs.delete(id);
  }

  /** PCM bytes (s16le mono) from input `id`; ignored once the input was removed. */
  push(id: string, bytes: Buffer): void {
    const queue = this.#inputs.get(id);
    if (!queue || bytes.length < 2) return;
    const copy = new Int16Array(Math.floor(bytes.length / 2));
    for (let i = 0; i < copy.length; i++) copy[i] = bytes.readInt16LE(i * 2);
    queue.push(copy);
    let backlog = queue.reduce((n, c) => n + c.length, 0);
    while (backlog > MAX_BACKLOG_SAMPLES && queue.length > 1) backlog -= queue.shift()!.length;
  }

  start(): void {
    if (this.#timer) return;
    this.#start = performance.now();
    this.#emitted = 0;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Emit every sample the clock says is due since the start. */
  #tick(): void {
    const due = Math.floor(((performance.now() - this.#start) / 1000) * MIX_RATE) - this.#emitted;
    if (due <= 0) return;
    const mix = new Int32Array(due);
    for (const queue of this.#inputs.values()) {
      let filled = 0;
      while (filled < due && queue.length) {
        const chunk = queue[0]!;
        const take = Math.min(chunk.length, due - filled);
        for (let i = 0; i < take; i++) mix[filled + i] = mix[filled + i]! + chunk[i]!;
        filled += take;
        if (take === chunk.length) queue.shift();
        else queue[0] = chunk.subarray(take);
      }
    }
    const out = Buffer.alloc(due * 2);
    for (let i = 0; i < due; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, mix[i]!)), i * 2);
    this.#emitted += due;
    if (!this.#out.destroyed && this.#out.writable) this.#out.write(out);
  }
}
