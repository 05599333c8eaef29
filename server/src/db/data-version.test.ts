/**
 * DataVersion (data-version.ts): one instance, and one listening connection, per database handle and version,
 * however its users start it — including several apps starting at once on one handle — closed with the last user.
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

  /** Connections listening for the list version of this test's schema (PostgreSQL; PGlite has one connection). */
  const listeners = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where application_name = ${listenerName('consult_list', tdb.schema!)}`.execute(tdb.dbh.db)
    ).rows[0]!.n;

  it('starts started at once share one instance and one listener; it stops with its last user', async () => {
    const db = tdb.dbh.db;
    const started = await Promise.all([1, 2, 3].map(() => DataVersion.start(db, 'list')));
    expect(new Set(started).size).toBe(1);
    expect(DataVersion.of(db, 'list')).toBe(started[0]);
    await waitFor(() => started[0]!.current() !== null, 10_000, 'the list version to be read');
    if (dialect === 'postgres') expect(await listeners()).toBe(1);
    await started[0]!.stop();
    await started[1]!.stop();
    expect(DataVersion.of(db, 'list')).toBe(started[0]);
    await started[2]!.stop();
    expect(DataVersion.of(db, 'list')).toBeUndefined();
    if (dialect === 'postgres')
      await waitFor(async () => (await listeners()) === 0, 10_000, 'the listener to end');
  });
});
