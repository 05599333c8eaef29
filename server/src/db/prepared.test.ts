/**
 * Statements marked PREPARED (connect.ts) run as named prepared statements on both databases (pglite-prepared.ts
 * on PGlite): they must answer exactly what the same statement answers unprepared — every parameter and result
 * type, null, no rows, the affected-row count — inside and outside transactions, and fail the same way.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDb, type TestDb } from '../testing/harness';
import { PREPARED } from './connect';

describe.each(DIALECTS)('prepared statements (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(dialect);
  });
  afterAll(async () => t?.close());

  const typed = (marker: string, p: { n: number; s: string | null; d: Date; j: object; b: boolean }) =>
    sql<Record<string, unknown>>`select ${sql.raw(marker)} ${p.n}::int as n, ${p.s}::text as s,
      ${p.d}::timestamptz as d, ${JSON.stringify(p.j)}::jsonb as j, ${p.b}::boolean as b,
      ${crypto.randomUUID()}::uuid is not null as u, ${p.n}::bigint * 2 as big, array[${p.s}::text] as arr`;

  it('answers as the unprepared statement, for every type and null, run after run', async () => {
    for (const p of [
      { n: 1, s: 'a', d: new Date('2026-01-02T03:04:05.678Z'), j: { a: [1, 'x'] }, b: true },
      { n: -7, s: null, d: new Date(0), j: {}, b: false },
      { n: 2 ** 30, s: '中文 \u00e9', d: new Date('1999-12-31T23:59:59Z'), j: { z: null }, b: true },
    ]) {
      const plain = (await typed('', p).execute(t.dbh.db)).rows;
      for (let run = 0; run < 7; run++)
        expect((await typed(PREPARED, p).execute(t.dbh.db)).rows).toEqual(plain);
    }
    // PGlite has one connection: the statement is there, prepared once.
    if (dialect === 'pglite') {
      const named = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements
        where statement like ${`%${PREPARED} %::int as n, %`}`.execute(t.dbh.db);
      expect(named.rows).toEqual([{ n: 1 }]);
    }
  });

  it('no rows, affected rows, and inside a transaction (rolled back)', async () => {
    const db = t.dbh.db;
    const none = await sql`select ${sql.raw(PREPARED)} 1 as x where ${1}::int = 2`.execute(db);
    expect(none.rows).toEqual([]);
    await db.transaction().execute(async (trx) => {
      await sql`create temporary table prep_t (v int) on commit drop`.execute(trx);
      const ins =
        await sql`insert ${sql.raw(PREPARED)} into prep_t select generate_series(1, ${3}::int)`.execute(trx);
      expect(ins.numAffectedRows).toBe(3n);
      const rows = await sql<{
        c: number;
      }>`select ${sql.raw(PREPARED)} count(*)::int as c from prep_t`.execute(trx);
      expect(rows.rows).toEqual([{ c: 3 }]);
    });
  });

  it('an error is the database error (its code), and the connection goes on answering', async () => {
    const bad = sql`select ${sql.raw(PREPARED)} 1 / ${0}::int as x`;
    await expect(bad.execute(t.dbh.db)).rejects.toMatchObject({ code: '22012' });
    await expect(bad.execute(t.dbh.db)).rejects.toMatchObject({ code: '22012' });
    const ok = await sql<{ x: number }>`select ${sql.raw(PREPARED)} ${5}::int as x`.execute(t.dbh.db);
    expect(ok.rows).toEqual([{ x: 5 }]);
    await expect(
      sql`select ${sql.raw(PREPARED)} from nowhere_at_all`.execute(t.dbh.db),
    ).rejects.toMatchObject({
      code: '42P01',
    });
    expect((await sql<{ x: number }>`select 1 as x`.execute(t.dbh.db)).rows).toEqual([{ x: 1 }]);
  });
});
