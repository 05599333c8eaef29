/**
 * A small upload is scanned from the bytes it was held in (scanBytes), a larger one from its file by range
 * (scanFile): for every file of the shared corpus, and for each cut short at a spread of lengths, both give the
 * same answer — the same attributes, or the same refusal with the same reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanBytes, scanFile } from './scanner';
import { corpusFiles } from './testkit';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-scanner-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('scanning from memory and from the file', () => {
  it('give the same answer for every corpus file, whole and cut short', async () => {
    let compared = 0;
    let stored = 0;
    for (const f of corpusFiles()) {
      const whole = fs.readFileSync(f.abs);
      const lengths = [whole.length, 0, 1, 131, 132, 200, Math.floor(whole.length / 2), whole.length - 1];
      for (const n of new Set(lengths.filter((x) => x >= 0 && x <= whole.length))) {
        const bytes = whole.subarray(0, n);
        const file = path.join(dir, 'x.dcm');
        fs.writeFileSync(file, bytes);
        const fromMemory = scanBytes(bytes);
        expect(fromMemory, `${f.path} cut at ${n}`).toEqual(await scanFile(file));
        compared++;
        if (n === whole.length && fromMemory.ok) stored++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(stored).toBeGreaterThan(150);
  });
});
