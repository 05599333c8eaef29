/**
 * The program dashboard, computed once per data version and served from memory until the data changes.
 *
 * Exactness: `dashboard_version.v` moves in every transaction that changed a row the dashboard reads (triggers of
 * migration 2026_12_03_1560_lists_scale, whoever writes: services, imports, SQL by hand). A dashboard is computed in
 * ONE repeatable-read snapshot that also reads `v`, so the figures are exactly those of version `v`; a later read
 * serves them only while `v` is unchanged. The one figure that changes with time alone, an SLA breach of a request
 * still waiting for a response, bounds the entry too: it is served only while the database's clock is before the
 * next due time among waiting requests (read in the same snapshot). Processes of a cluster each keep their own
 * entries; the version lives in the database they share, so none of them serves figures another has changed.
 */
import type { Dashboard, DashboardQuery } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import * as q from './queries';

interface Entry {
  version: string;
  /** The next moment a waiting request's SLA breaches (null: none waiting). */
  horizon: Date | null;
  body: Dashboard;
}

/** Entries per database (tests run several apps in one process), per query; at most MAX queries each. */
const entries = new WeakMap<object, Map<string, Entry>>();
const MAX = 64;
const stats = { hits: 0, computed: 0 };

/** How often a dashboard was served from memory vs computed (tests and the benchmark read it). */
export const dashboardCacheStats = () => ({ ...stats });

const keyOf = (query: DashboardQuery) =>
  JSON.stringify([
    query.from,
    query.to,
    query.programName ?? null,
    query.pairingId ?? null,
    query.countyHospitalId ?? null,
  ]);

/**
 * The dashboard for `query`: from memory when the data version is the one it was computed at and no SLA has
 * breached since, else `compute` in one repeatable-read snapshot (and kept).
 */
export async function cachedDashboard(
  db: DB,
  query: DashboardQuery,
  compute: (trx: Executor) => Promise<Dashboard>,
): Promise<Dashboard> {
  let perDb = entries.get(db);
  if (!perDb) entries.set(db, (perDb = new Map()));
  const key = keyOf(query);
  const hit = perDb.get(key);
  if (hit) {
    const now = await q.dataVersion(db);
    if (now.version === hit.version && (!hit.horizon || now.at < hit.horizon)) {
      stats.hits++;
      return hit.body;
    }
  }
  const entry = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const v = await q.dataVersion(trx);
      return { version: v.version, horizon: v.horizon, body: await compute(trx) };
    });
  stats.computed++;
  perDb.delete(key);
  perDb.set(key, entry);
  if (perDb.size > MAX) perDb.delete(perDb.keys().next().value!);
  return entry.body;
}
