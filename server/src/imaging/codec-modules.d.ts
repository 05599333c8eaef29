/** Codec packages that ship without type declarations: cornerstone's WebAssembly builds (emscripten module factories) and jpeg-lossless-decoder-js. */
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (opts?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (opts?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (opts?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Decodes a JPEG Lossless (process 14) frame; `numBytes` per sample (1 or 2). */
    decode(
      buffer: ArrayBuffer,
      offset: number,
      length: number,
      numBytes: number,
    ): Uint8Array | Uint16Array | Int16Array;
  }
}
