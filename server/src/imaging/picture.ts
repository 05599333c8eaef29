/**
 * Rendered pictures in a consumer format: 8-bit grey or RGB pixels scaled to a viewport (area average, never
 * enlarged) and encoded as PNG (png.ts) or baseline JPEG (jpeg-js) — PS3.18 §8.3.5 rendered media types.
 */
import jpeg from 'jpeg-js';
import { encodePng } from './png';

export type PictureFormat = 'png' | 'jpeg';

export interface Viewport {
  width: number;
  height: number;
}

/** The size that fits inside the viewport with the picture's aspect ratio (never larger than the picture). */
export function fitted(width: number, height: number, vp?: Viewport): Viewport {
  if (!vp) return { width, height };
  const scale = Math.min(1, vp.width / width, vp.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Area-average downscale of interleaved 8-bit pixels. */
export function scale(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  to: Viewport,
): Uint8Array {
  if (to.width === width && to.height === height) return pixels;
  const out = new Uint8Array(to.width * to.height * channels);
  const fx = width / to.width;
  const fy = height / to.height;
  for (let y = 0; y < to.height; y++) {
    const y0 = Math.floor(y * fy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
    for (let x = 0; x < to.width; x++) {
      const x0 = Math.floor(x * fx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++)
          for (let xx = x0; xx < x1; xx++) sum += pixels[(yy * width + xx) * channels + c]!;
        out[(y * to.width + x) * channels + c] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return out;
}

/** Encode interleaved 8-bit grey (1) or RGB (3) pixels. `quality` 1–100 for JPEG (default 90). */
export function encodePicture(
  format: PictureFormat,
  width: number,
  height: number,
  channels: 1 | 3,
  pixels: Uint8Array,
  quality = 90,
): Buffer {
  if (format === 'png') return encodePng(width, height, channels, pixels);
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const o = i * 4;
    if (channels === 1) rgba[o] = rgba[o + 1] = rgba[o + 2] = pixels[i]!;
    else {
      rgba[o] = pixels[i * 3]!;
      rgba[o + 1] = pixels[i * 3 + 1]!;
      rgba[o + 2] = pixels[i * 3 + 2]!;
    }
    rgba[o + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width, height }, quality).data;
}
