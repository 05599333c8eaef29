/** cornerstone's WebAssembly codec builds (emscripten module factories) ship without type declarations. */
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
