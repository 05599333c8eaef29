// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the untyped codec packages' declarations must reach every program compiling this file (the tests package too)
/// <reference path="./codec-modules.d.ts" />
/**
 * Decoders for compressed pixel data, server side (the browser viewer has its own in cornerstone's loader):
 * RLE Lossless (PS3.5 Annex G, here), JPEG Lossless (jpeg-lossless-decoder-js), and 8-bit JPEG (libjpeg-turbo),
 * JPEG-LS (CharLS) and JPEG 2000 (OpenJPEG) through cornerstone's WebAssembly codecs, which run in Node as they do in the browser.
 * Each returns the frame's samples, interleaved by pixel, in the stored bit depth.
 * Every decoder module is imported on first use only: the three WebAssembly codecs ship as several MB of base64
 * JavaScript each, which a server that never renders a compressed frame should not hold in memory.
 */

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
  rle: '1.2.840.10008.1.2.5',
} as const;

export interface FrameGeometry {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  signed: boolean;
}

export type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array;

/** Reinterpret little-endian bytes as samples of the stored width (copied: the source may be unaligned). */
export function samplesFromBytes(bytes: Uint8Array, g: FrameGeometry, bigEndian = false): Samples {
  if (g.bitsAllocated === 8) return g.signed ? new Int8Array(bytes) : new Uint8Array(bytes);
  if (g.bitsAllocated !== 16) throw new RangeError(`${g.bitsAllocated}-bit pixels are not rendered`);
  const n = Math.floor(bytes.length / 2);
  const copy = new Uint8Array(n * 2);
  copy.set(bytes.subarray(0, n * 2));
  if (bigEndian) for (let i = 0; i < copy.length; i += 2) [copy[i], copy[i + 1]] = [copy[i + 1]!, copy[i]!];
  return g.signed ? new Int16Array(copy.buffer) : new Uint16Array(copy.buffer);
}

/** RLE Lossless: a 64-byte header of segment offsets, one PackBits segment per byte plane, most significant first. */
export function decodeRle(data: Uint8Array, g: FrameGeometry): Samples {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = g.bitsAllocated / 8;
  if (segments !== g.samplesPerPixel * bytesPerSample)
    throw new RangeError(
      `RLE frame has ${segments} segments, expected ${g.samplesPerPixel * bytesPerSample}`,
    );
  const pixels = g.rows * g.cols;
  const out = new Uint8Array(pixels * g.samplesPerPixel * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.length;
    const sample = Math.floor(s / bytesPerSample);
    // Segment k of a sample holds byte (bytesPerSample - 1 - k) of each little-endian value.
    const byteInValue = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = g.samplesPerPixel * bytesPerSample;
    let o = sample * bytesPerSample + byteInValue;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (data[i++]! << 24) >> 24; // signed header byte
      if (n >= 0) {
        for (let k = 0; k <= n && i < end && written < pixels; k++, written++, o += stride)
          out[o] = data[i++]!;
      } else if (n !== -128) {
        const v = data[i++]!;
        for (let k = 0; k < 1 - n && written < pixels; k++, written++, o += stride) out[o] = v;
      }
    }
    if (written < pixels)
      throw new RangeError(`RLE segment ${s + 1} ends after ${written} of ${pixels} pixels`);
  }
  return samplesFromBytes(out, g);
}

export async function decodeJpegLossless(data: Uint8Array, g: FrameGeometry): Promise<Samples> {
  const { Decoder: JpegLosslessDecoder } = await import('jpeg-lossless-decoder-js');
  const bytesPerSample = g.bitsAllocated / 8;
  const out = new JpegLosslessDecoder().decode(
    data.buffer as ArrayBuffer,
    data.byteOffset,
    data.length,
    bytesPerSample,
  ) as Uint8Array | Uint16Array | Int16Array;
  if (bytesPerSample === 1) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const u8 = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return samplesFromBytes(u8, g);
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete(): void;
}
interface WasmCodecs {
  jpeg8: new () => WasmDecoder;
  jpegLs: new () => WasmDecoder;
  j2k: new () => WasmDecoder;
}

const quiet = { print: () => undefined, printErr: () => undefined };
const LOADERS: { [K in keyof WasmCodecs]: () => Promise<WasmCodecs[K]> } = {
  jpeg8: async () => {
    const m = await (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default(quiet);
    return (m as { JPEGDecoder: new () => WasmDecoder }).JPEGDecoder;
  },
  jpegLs: async () => {
    const m = await (await import('@cornerstonejs/codec-charls/decodewasmjs')).default(quiet);
    return (m as { JpegLSDecoder: new () => WasmDecoder }).JpegLSDecoder;
  },
  j2k: async () => {
    const m = await (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default(quiet);
    return (m as { J2KDecoder: new () => WasmDecoder }).J2KDecoder;
  },
};
const loaded = new Map<keyof WasmCodecs, Promise<new () => WasmDecoder>>();
/** A WebAssembly decoder, its module imported and instantiated once per process on first use (logging silenced). */
function wasmCodec(kind: keyof WasmCodecs): Promise<new () => WasmDecoder> {
  let p = loaded.get(kind);
  if (!p) {
    p = LOADERS[kind]().catch((err: unknown) => {
      loaded.delete(kind);
      throw err;
    });
    loaded.set(kind, p);
  }
  return p;
}

async function decodeWasm(kind: keyof WasmCodecs, data: Uint8Array, g: FrameGeometry): Promise<Samples> {
  const Decoder = await wasmCodec(kind);
  const d = new Decoder();
  try {
    d.getEncodedBuffer(data.length).set(data);
    d.decode();
    const info = d.getFrameInfo();
    if (info.width !== g.cols || info.height !== g.rows)
      throw new RangeError(`codestream is ${info.width}×${info.height}, the header says ${g.cols}×${g.rows}`);
    // The decoded buffer lives in the module's memory: copy it out before the decoder is freed.
    return samplesFromBytes(new Uint8Array(d.getDecodedBuffer()), g);
  } finally {
    d.delete();
  }
}

/** The frame's samples for a compressed transfer syntax, or null when none of these decoders handles it. */
export async function decodeCompressed(
  ts: string,
  data: Uint8Array,
  g: FrameGeometry,
): Promise<Samples | null> {
  switch (ts) {
    case TS.jpegBaseline:
    case TS.jpegExtended:
      // libjpeg-turbo decodes 8-bit JPEG; 12-bit Extended is left to the browser viewer.
      return g.bitsAllocated === 8 ? decodeWasm('jpeg8', data, g) : null;
    case TS.rle:
      return decodeRle(data, g);
    case TS.jpegLossless:
    case TS.jpegLosslessSV1:
      return decodeJpegLossless(data, g);
    case TS.jpegLsLossless:
    case TS.jpegLsNear:
      return decodeWasm('jpegLs', data, g);
    case TS.j2kLossless:
    case TS.j2k:
      return decodeWasm('j2k', data, g);
    default:
      return null;
  }
}
