/**
 * Sessions resolved from memory (issue 14: every signed-in request asked the database for its session and user, a
 * round trip as long as the whole list page answered from memory). A resolved session is kept with the sign-in data
 * version its statement's snapshot saw and the fence taken before it was read (db/data-version.ts, version `auth`);
 * it is used again only while the version this process has heard is that one and the fence has not moved. The
 * version moves at the commit of anything that ends a session or changes what it resolves to (migration
 * 2026_12_09_0100_auth_version), and every request that may change data moves the fence, so a sign-out, a password
 * change or an administrator disabling a user ends the session in this process at once, and in another as soon as
 * the commit is announced. Expiry is checked on every use; sliding expiry updates the kept copy (service.ts).
 *
 * Per database handle; at most MAX_SESSIONS kept, least recently used first out.
 */
import type { DB } from '../db/database';
import { DataVersion } from '../db/data-version';
import type { SessionRow } from './queries';

interface Entry {
  version: string;
  fence: number;
  row: SessionRow;
}

const MAX_SESSIONS = 20_000;
const caches = new WeakMap<DB, Map<string, Entry>>();
const stats = { hits: 0, reads: 0 };

/** How many sessions were resolved from memory and how many were read (tests and metrics). */
export const sessionCacheStats = () => ({ ...stats });

function perDb(db: DB): Map<string, Entry> {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new Map()));
  return c;
}

/** The kept session `sid` while it still stands and has not expired, else undefined (counted as a read to come). */
export function keptSession(db: DB, sid: string, now: number): SessionRow | undefined {
  const c = perDb(db);
  const e = c.get(sid);
  if (!e || !DataVersion.of(db, 'auth')?.holds(e) || e.row.expires_at.getTime() <= now) {
    if (e) c.delete(sid);
    stats.reads++;
    return undefined;
  }
  stats.hits++;
  c.delete(sid);
  c.set(sid, e);
  return e.row;
}

/** The fence to take before reading a session (null: sessions are not kept for this database). */
export const sessionFence = (db: DB): number | null => DataVersion.of(db, 'auth')?.fence() ?? null;

/** Keep session `sid`, read (with its `auth_version`) under `fence`. */
export function keepSession(db: DB, sid: string, fence: number | null, row: SessionRow): void {
  if (fence === null) return;
  const c = perDb(db);
  c.delete(sid);
  c.set(sid, { version: row.auth_version, fence, row });
  if (c.size > MAX_SESSIONS) c.delete(c.keys().next().value!);
}

/** This process extended session `sid` (sliding expiry): the kept copy says so too. */
export function sessionExtended(db: DB, sid: string, expiresAt: Date, lastSeenAt: Date): void {
  const e = caches.get(db)?.get(sid);
  if (!e) return;
  e.row = { ...e.row, expires_at: expiresAt, last_seen_at: lastSeenAt };
}
