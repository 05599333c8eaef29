import type { InstanceAttrs } from './dicom';
import { scanPart10 } from './scan';
import { withFile } from './source';

export type FileScan = { ok: true; attrs: InstanceAttrs } | { ok: false; reason: string };

/** Scan a complete file by range (scan.ts): its index attributes, or why it is refused. */
export async function scanFile(file: string): Promise<FileScan> {
  const r = withFile(file, scanPart10);
  return r.ok ? { ok: true, attrs: r.attrs } : { ok: false, reason: r.reason };
}
