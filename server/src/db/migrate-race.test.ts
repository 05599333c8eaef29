/**
 * Migrating a new schema on a PostgreSQL server that other test files (or other tenants) share: Kysely reads the
 * catalog of every schema to find its bookkeeping tables, and a schema dropped at that moment fails the read with
 * 42P01 or 3F000 before any migration ran. Here another client creates and drops schemas (with tables) as fast as
 * it can while fresh schemas migrate; every migration must succeed and leave the full table set.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from './connect';
import { dropSchema, freshSchema, PG_URL } from '../testing/harness';

const CHURNERS = 4;
const MIGRATIONS = 8;
const created: string[] = [];
afterAll(async () => {
  for (const s of created) await dropSchema(s);
});

it('migrates fresh schemas while other schemas are created and dropped concurrently', async () => {
  const churners = await Promise.all(
    Array.from({ length: CHURNERS }, async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      return c;
    }),
  );
  let stop = false;
  let cycles = 0;
  // Bounded: each churner stops when the migrations are done, or after 5000 cycles in all.
  const churning = churners.map(async (churn) => {
    while (!stop && cycles < 5000) {
      const s = `${freshSchema()}_churn`;
      await churn.query(
        `create schema "${s}"; create table "${s}".t (id int); create table "${s}".u (id int)`,
      );
      await churn.query(`drop schema "${s}" cascade`);
      cycles++;
    }
  });
  const tableCounts: number[] = [];
  try {
    for (let i = 0; i < MIGRATIONS; i++) {
      const schema = freshSchema();
      created.push(schema);
      const dbh = await openDatabase({ databaseUrl: PG_URL, schema, dataDir: null });
      try {
        await migrateToLatest(dbh.db);
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from information_schema.tables where table_schema = ${schema}`.execute(
          dbh.db,
        );
        tableCounts.push(rows[0]!.n);
      } finally {
        await dbh.close();
      }
    }
  } finally {
    stop = true;
    await Promise.all(churning);
    await Promise.all(churners.map((c) => c.end()));
  }
  expect(cycles).toBeGreaterThan(0);
  expect(new Set(tableCounts).size).toBe(1);
  expect(tableCounts[0]).toBeGreaterThan(20);
}, 120_000);
