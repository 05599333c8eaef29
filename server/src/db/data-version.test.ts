/**
 * DataVersion (data-version.ts): one instance per database handle and version, however its users start it —
 * including several apps starting at once on one handle — closed with the last user; and on PostgreSQL one
 * listening connection per handle for all versions (db/listen.ts).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDb, type TestDb } from '../testing/harness';
import { waitFor } from '../testing/load';
import { DataVersion } from './data-version';
import { listenerName } from './listen';

describe.each(DIALECTS)('data versions (%s)', (dialect) => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await openTestDb(dialect);
  });
  afterAll(async () => tdb?.close());

  /** Connections listening for this test's schema (PostgreSQL; PGlite has one connection). */
  const listeners = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where application_name = ${listenerName(tdb.schema!)}`.execute(tdb.dbh.db)
    ).rows[0]!.n;

  /** Move a version and announce it, as the triggers do (migrations 2026_12_08_0100, 2026_12_09_0100). */
  const announce = (table: string, channel: string) =>
    sql`with u as (update ${sql.table(table)} set v = v + 1 where id = 1 returning v)
      select pg_notify(${channel}, current_schema() || ' ' || v::text) from u`.execute(tdb.dbh.db);

  it('starts started at once share one instance; both versions share one listener; it stops with its last user', async () => {
    const db = tdb.dbh.db;
    const started = await Promise.all([1, 2, 3].map(() => DataVersion.start(db, 'list')));
    expect(new Set(started).size).toBe(1);
    expect(DataVersion.of(db, 'list')).toBe(started[0]);
    const auth = await DataVersion.start(db, 'auth');
    await waitFor(
      () => started[0]!.current() !== null && auth.current() !== null,
      10_000,
      'both versions to be read',
    );
    if (dialect === 'postgres') expect(await listeners()).toBe(1);
    // Each still hears its own announcements on the shared connection.
    const before = BigInt(auth.current()!);
    await announce('auth_version', 'consult_auth');
    await waitFor(() => BigInt(auth.current() ?? '0') > before, 10_000, 'the sign-in version to be heard');
    await auth.stop();
    await started[0]!.stop();
    await started[1]!.stop();
    expect(DataVersion.of(db, 'list')).toBe(started[0]);
    const listBefore = BigInt(started[2]!.current()!);
    await announce('list_version', 'consult_list');
    await waitFor(
      () => BigInt(started[2]!.current() ?? '0') > listBefore,
      10_000,
      'the list version to be heard after the other channel stopped',
    );
    await started[2]!.stop();
    expect(DataVersion.of(db, 'list')).toBeUndefined();
    if (dialect === 'postgres')
      await waitFor(async () => (await listeners()) === 0, 10_000, 'the listener to end');
  });
});
