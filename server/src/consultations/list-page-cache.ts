/**
 * List pages answered from memory (issue 14: the list endpoint's database statement was most of its cost, for a page
 * that only changes when the data does). A page is kept with the data version its statement's snapshot saw and the
 * fence taken before it was read (db/data-version.ts); it is answered again only while the version this process has
 * heard is that one and the fence has not moved. Everything time-dependent (the SLA breach) is computed from the
 * kept rows per answer, never kept; the read audit records every answer, from memory or not (list.ts).
 *
 * Keyed by everything the page depends on: the actor's id, role and hospital and every filter (list-queries.ts
 * `countKey`), the cursor and the limit. Per database handle; at most MAX_ROWS rows kept, least recently used first out.
 */
import type { DB } from '../db/database';
import { DataVersion } from '../db/data-version';
import type { PageRow } from './list-queries';

interface Entry {
  version: string;
  fence: number;
  rows: PageRow[];
  count: number;
}

const MAX_ROWS = 12_800;
const caches = new WeakMap<DB, { entries: Map<string, Entry>; rows: number }>();
const stats = { hits: 0, reads: 0 };

/** How many pages were answered from memory and how many were read (tests and the benchmark). */
export const listPageCacheStats = () => ({ ...stats });

function perDb(db: DB) {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = { entries: new Map(), rows: 0 }));
  return c;
}

/** The kept page for `key` when it is still current, else undefined (counted as a read to come). */
export function keptPage(db: DB, key: string): { rows: PageRow[]; count: number } | undefined {
  const c = perDb(db);
  const e = c.entries.get(key);
  if (!e || !DataVersion.of(db, 'list')?.holds(e)) {
    stats.reads++;
    return undefined;
  }
  stats.hits++;
  c.entries.delete(key);
  c.entries.set(key, e);
  return e;
}

/** The fence to take before reading a page (null: pages are not kept for this database). */
export const readFence = (db: DB): number | null => DataVersion.of(db, 'list')?.fence() ?? null;

/** Keep a page read at data version `version` under fence `fence`. */
export function keepPage(
  db: DB,
  key: string,
  fence: number | null,
  version: string,
  rows: PageRow[],
  count: number,
) {
  if (fence === null || rows.length > MAX_ROWS) return;
  const c = perDb(db);
  const old = c.entries.get(key);
  if (old) {
    c.entries.delete(key);
    c.rows -= old.rows.length;
  }
  c.entries.set(key, { version, fence, rows, count });
  c.rows += rows.length;
  for (const [k, e] of c.entries) {
    if (c.rows <= MAX_ROWS) break;
    c.entries.delete(k);
    c.rows -= e.rows.length;
  }
}
