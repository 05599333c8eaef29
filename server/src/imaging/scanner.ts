import type { InstanceAttrs } from './dicom';
import { scanPart10 } from './scan';
import { bufferSource, withFile } from './source';

export type FileScan = { ok: true; attrs: InstanceAttrs } | { ok: false; reason: string };

const asScan = (r: ReturnType<typeof scanPart10>): FileScan =>
  r.ok ? { ok: true, attrs: r.attrs } : { ok: false, reason: r.reason };

/** Scan a complete file by range (scan.ts): its index attributes, or why it is refused. */
export async function scanFile(file: string): Promise<FileScan> {
  return asScan(withFile(file, scanPart10));
}

/** Scan an instance already in memory (a small upload's bytes), as `scanFile` would scan its file. */
export function scanBytes(bytes: Uint8Array): FileScan {
  return asScan(scanPart10(bufferSource(bytes)));
}
