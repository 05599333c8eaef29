import { cornerstone, initCornerstone, loadImage } from './cornerstone';
import type { RenderFileResult } from './testHook.types';

/**
 * TEST HOOK (e2e only, tests/e2e/imaging-ts.test.ts): renders a local DICOM file with the viewer's own initialised
 * cornerstone + wado loader, without uploading it. The corpus holds one image in many transfer syntaxes sharing one
 * SOP Instance UID, which the server (rightly) refuses to store twice per hospital with different bytes.
 * The file is loaded through the same `wadouri:` scheme, metadata providers and codec worker as a study (a `blob:`
 * URL instead of a /wado URL), displayed in an offscreen 256x256 enabled element, and the canvas's non-black pixels
 * are counted. Exposed on `window` like `window.__viewer`; it only exists once the lazy viewer module has loaded.
 */

async function renderFile(file: File, frame?: number): Promise<RenderFileResult> {
  initCornerstone();
  const url = URL.createObjectURL(file);
  const imageId = `wadouri:${url}${frame === undefined ? '' : `?frame=${frame}`}`;
  const el = document.createElement('div');
  el.style.cssText = 'position:fixed;left:-10000px;top:0;width:256px;height:256px';
  document.body.appendChild(el);
  const t0 = performance.now();
  try {
    cornerstone.enable(el);
    const image = await loadImage(imageId);
    const rendered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('image was not rendered within 10 s')), 10_000);
      el.addEventListener('cornerstoneimagerendered', () => (clearTimeout(timer), resolve()), { once: true });
    });
    cornerstone.displayImage(el, image);
    await rendered;
    const ms = performance.now() - t0;
    const canvas = el.querySelector('canvas')!;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let nonBlankPixels = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! + px[i + 1]! + px[i + 2]! > 0) nonBlankPixels++;
    const data = (image as unknown as { data?: { string(tag: string): string | undefined } }).data;
    return {
      width: image.width,
      height: image.height,
      transferSyntax: data?.string('x00020010')?.trim() ?? '',
      nonBlankPixels,
      minPixelValue: image.minPixelValue,
      maxPixelValue: image.maxPixelValue,
      ms: Math.round(ms),
    };
  } finally {
    try {
      cornerstone.disable(el);
    } catch {
      /* not enabled */
    }
    el.remove();
    try {
      cornerstone.imageCache.removeImageLoadObject(imageId);
    } catch {
      /* never cached (load failed) */
    }
    URL.revokeObjectURL(url);
  }
}

window.__renderFile = renderFile;
