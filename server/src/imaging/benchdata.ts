/** Generated DICOM data for the imaging benchmark (tests/bench/imaging.bench.ts). Not used by the app. */
import fs from 'node:fs';
import path from 'node:path';
import { parseDataSet, text } from './dicom';
import { part10 } from './dicomwriter';

/** A UID of exactly `len` characters under our benchmark root `1.2.826.0.1.3680043.99.<kind>.<n>`. */
function uidOfLength(kind: number, n: number, len: number): string {
  const head = `1.2.826.0.1.3680043.99.${kind}.${n}`;
  if (head.length > len) throw new RangeError(`UID ${head} longer than ${len}`);
  if (head.length === len) return head;
  // Pad with a final component of the right length (no leading zero).
  const rest = len - head.length - 1;
  return rest <= 0 ? `${head}${'1'.repeat(len - head.length)}` : `${head}.${'1'.repeat(rest)}`;
}

/**
 * `count` slices of one new study/series made from a template slice by rewriting its Study, Series and SOP
 * Instance UIDs in place (same lengths, so every offset and length in the file stays right).
 */
export function generateSlices(template: string, outDir: string, count: number): void {
  const bytes = fs.readFileSync(template);
  const ds = parseDataSet(bytes);
  const study = text(ds, 'x0020000d');
  const series = text(ds, 'x0020000e');
  const sop = text(ds, 'x00080018');
  fs.mkdirSync(outDir, { recursive: true });
  const newStudy = uidOfLength(1, 7, study.length);
  const newSeries = uidOfLength(2, 7, series.length);
  const latin = bytes.toString('latin1');
  for (let i = 0; i < count; i++) {
    const newSop = uidOfLength(3, 100000 + i, sop.length);
    const out = latin.split(study).join(newStudy).split(series).join(newSeries).split(sop).join(newSop);
    fs.writeFileSync(
      path.join(outDir, `slice_${String(i + 1).padStart(4, '0')}.dcm`),
      Buffer.from(out, 'latin1'),
    );
  }
}

const NAMES = ['ZHANG', 'WANG', 'LI', 'LIU', 'CHEN'];
const MODS = ['CT', 'MR', 'CR', 'DX', 'US'];

/** A tiny pixel-less instance of study number k (same attributes as the synthetic index rows). */
export function tinyStudy(k: number): Buffer {
  const d = new Date(Date.UTC(2020, 0, 1) + (k % 2000) * 86400_000);
  const date = d.toISOString().slice(0, 10).replace(/-/g, '');
  const sop = `1.2.826.0.1.3680043.99.9.${k}.1.1`;
  return part10(
    {
      '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.7'],
      '00080018': ['UI', sop],
      '00080020': ['DA', date],
      '00080030': ['TM', '120000'],
      '00080050': ['SH', `ACC${k}`],
      '00080060': ['CS', MODS[k % 5]!],
      '00081030': ['LO', 'synthetic'],
      '00100010': ['PN', `${NAMES[k % 5]}^P${k}`],
      '00100020': ['LO', `SYN${k}`],
      '00100030': ['DA', '19600101'],
      '00100040': ['CS', 'M'],
      '0020000D': ['UI', `1.2.826.0.1.3680043.99.9.${k}`],
      '0020000E': ['UI', `1.2.826.0.1.3680043.99.9.${k}.1`],
      '00200010': ['SH', '1'],
      '00200011': ['IS', 1],
      '00200013': ['IS', 1],
    },
    '1.2.840.10008.5.1.4.1.1.7',
    sop,
  );
}
