/**
 * The consultation list's capped counts, kept per data version (issue 14: counting up to CAP + 1 rows per relation
 * was about half of the database's cost of a list request, for a figure that only changes when the data does).
 *
 * Exactness, as the dashboard's cache (dashboard/cache.ts): `list_version.v` moves in every transaction that
 * changed a row the list's visibility or filters read (consultations, care_team_members: migration
 * 2026_12_06_0100_list_count_version, whoever writes). Every page statement reads `v` in its own
 * snapshot; a count computed in a snapshot is kept under the `v` of that snapshot, and a later page uses it only
 * when its snapshot reads the same `v`, so the count it answers is the one its own snapshot would have counted.
 * The key (list-queries.ts `countKey`) holds the actor's id, role and hospital and every filter.
 * Per database (tests run several apps in one process); at most MAX keys, the least recently used dropped first.
 */
import type { DB } from '../db/database';

interface Entry {
  version: string;
  count: number;
}

const MAX = 10_000;
const entries = new WeakMap<DB, Map<string, Entry>>();
const stats = { hits: 0, counted: 0 };

/** How often a page's count came from memory vs was counted (tests and the benchmark read it). */
export const listCountCacheStats = () => ({ ...stats });

function perDb(db: DB): Map<string, Entry> {
  let m = entries.get(db);
  if (!m) entries.set(db, (m = new Map()));
  return m;
}

/** The count kept for `key`, if any (its version still to be compared with the page's). */
export const keptCount = (db: DB, key: string): Entry | undefined => perDb(db).get(key);

/** The kept count when `version` is the one it was counted at (counted as a hit), else undefined. */
export function countAt(db: DB, key: string, version: string): number | undefined {
  const m = perDb(db);
  const e = m.get(key);
  if (!e || e.version !== version) return undefined;
  stats.hits++;
  m.delete(key);
  m.set(key, e);
  return e.count;
}

/** Keep `count`, exact at data version `version`, for `key`. */
export function keepCount(db: DB, key: string, version: string, count: number): void {
  const m = perDb(db);
  stats.counted++;
  m.delete(key);
  m.set(key, { version, count });
  if (m.size > MAX) m.delete(m.keys().next().value!);
}
