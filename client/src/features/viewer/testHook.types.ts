/**
 * The contract of the e2e render hook (testHook.ts), with no imports so the tests package can use it too
 * (tests/e2e/imaging-ts.test.ts).
 */
export interface RenderFileResult {
  width: number;
  height: number;
  /** Transfer Syntax UID read by the loader from the file meta header. */
  transferSyntax: string;
  /** Canvas pixels with R+G+B > 0 after the image was rendered. */
  nonBlankPixels: number;
  /** Stored pixel value range of the decoded image (constant = nothing to see). */
  minPixelValue: number;
  maxPixelValue: number;
  ms: number;
}

declare global {
  interface Window {
    __renderFile?: (file: File, frame?: number) => Promise<RenderFileResult>;
  }
}
