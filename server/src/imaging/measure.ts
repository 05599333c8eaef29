/**
 * The server's side of the one annotation model: what the stored instance says about itself for `measure()`
 * (PixelSpacing, the modality LUT, HU or raw, the frame's stored values), read from the blob. Every stored mark's
 * measurements come from here, so the value stored, exported in the SR and printed in the PDF is one value.
 */
import type { DataSet } from 'dicom-parser';
import {
  intensityUnitOf,
  measure,
  parsePixelSpacing,
  type AnnotationTool,
  type ImagePoint,
  type MeasureImage,
  type Measurement,
} from '@consult/shared';
import { text } from './dicom';
import { decode, pixelModule } from './render';
import { loadDataSet } from './wado';
import type { BlobStore } from './storage';

export interface MeasuredInstance {
  sha256: string;
  transfer_syntax_uid: string;
}

/** The measurement inputs of frame `frame0` (0-based) of a parsed instance. Undecodable pixels → no mean/SD. */
export async function measureImageOf(ds: DataSet, ts: string, frame0: number): Promise<MeasureImage> {
  const m = pixelModule(ds);
  const grey = m.samplesPerPixel === 1 && m.photometric.startsWith('MONOCHROME');
  let pixels: ArrayLike<number> | null = null;
  if (grey) {
    try {
      const s = await decode(ds, ts, frame0 + 1, m);
      // Unsigned values wider than Bits Stored carry overlay bits above the high bit (as rendering does).
      pixels =
        !m.signed && m.bitsStored < m.bitsAllocated
          ? Uint32Array.from(s, (v) => v & ((1 << m.bitsStored) - 1))
          : s;
      if (pixels.length < m.rows * m.cols) pixels = null;
    } catch {
      pixels = null;
    }
  }
  return {
    columns: m.cols,
    rows: m.rows,
    pixelSpacing: parsePixelSpacing(text(ds, 'x00280030')),
    slope: m.slope,
    intercept: m.intercept,
    intensityUnit: intensityUnitOf(text(ds, 'x00080060'), text(ds, 'x00281054')),
    pixels,
  };
}

/** The measurements of a mark on a stored instance's frame (0-based). */
export async function measureStored(
  store: BlobStore,
  inst: MeasuredInstance,
  frame0: number,
  tool: AnnotationTool,
  points: readonly ImagePoint[],
): Promise<Measurement[]> {
  const ds = await loadDataSet(store, inst.sha256);
  return measure(tool, points, await measureImageOf(ds, inst.transfer_syntax_uid, frame0));
}
