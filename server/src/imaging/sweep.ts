import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../db/database';
import { parseDataSet, text } from './dicom';
import { patientsToRefresh, referencedBlobs, setDemographics } from './queries';
import type { BlobStore } from './storage';

/** Blob names looked up per statement (an index lookup each: the hashes are indexed). */
export const SWEEP_BATCH = 100;

/**
 * Crash leftovers, removed when the server starts: temp parts of interrupted uploads and blobs no instance row
 * references (a crash between the durable blob and the index commit, or an identity race lost at commit).
 * Only files idle for `idleMs` go, so an upload in flight on another node sharing DATA_DIR is left alone (its
 * temp part is written continuously; its blob is indexed within moments of being renamed into place).
 */
export async function sweepLeftovers(
  db: DB,
  store: BlobStore,
  idleMs = 5 * 60_000,
): Promise<{ temp: number; blobs: number; patients: number }> {
  const cutoff = Date.now() - idleMs;
  const idle = (p: string) => {
    try {
      return fs.statSync(p).mtimeMs <= cutoff;
    } catch {
      return false; // vanished meanwhile
    }
  };
  let temp = 0;
  for (const f of fs.readdirSync(store.tmpDir)) {
    const p = path.join(store.tmpDir, f);
    if (idle(p)) {
      fs.rmSync(p, { force: true });
      temp++;
    }
  }
  let blobs = 0;
  for (const dir of fs.readdirSync(store.blobDir)) {
    const names = fs.readdirSync(path.join(store.blobDir, dir)).filter((n) => /^[0-9a-f]{64}$/.test(n));
    for (let k = 0; k < names.length; k += SWEEP_BATCH) {
      const batch = names.slice(k, k + SWEEP_BATCH);
      const used = await referencedBlobs(db, batch);
      for (const sha of batch) {
        if (!used.has(sha) && idle(store.pathOf(sha))) {
          fs.rmSync(store.pathOf(sha), { force: true });
          blobs++;
        }
      }
    }
  }
  return { temp, blobs, patients: await refreshDemographics(db, store) };
}

/**
 * Patient records split by the identity migration carried the name, sex and birth date of whichever study came
 * first; each gets its own study's values back from the header of one of its instances.
 */
async function refreshDemographics(db: DB, store: BlobStore): Promise<number> {
  let n = 0;
  for (const p of await patientsToRefresh(db)) {
    try {
      const ds = parseDataSet(await store.readHead(p.sha256, 256 * 1024), 'x7fe00010');
      const cs = text(ds, 'x00080005');
      await setDemographics(db, p.id, {
        patient_name: text(ds, 'x00100010', cs),
        sex: text(ds, 'x00100040'),
        birth_date: text(ds, 'x00100030'),
      });
      n++;
    } catch {
      // An unreadable head (header beyond 256 KiB, deflated): the record keeps what it had, flagged.
    }
  }
  return n;
}
