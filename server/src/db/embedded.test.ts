import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './connect';
import { embeddedInitStats } from './embedded';

/**
 * A new embedded database on disk is initialised by a process of its own (embedded.ts initialiseApart), so that the
 * memory initdb takes is given back before the server runs (`pnpm bench startup` measures the footprint).
 */
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-embedded-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('a new embedded database on disk', () => {
  it('is initialised once, apart; then it keeps what was written, and a later open finds it as it was', async () => {
    const dataDir = tmp();
    const before = embeddedInitStats.apart;
    const first = await openDatabase({ databaseUrl: null, dataDir });
    try {
      expect(embeddedInitStats.apart).toBe(before + 1);
      await sql`create table kept (n int)`.execute(first.db);
      await sql`insert into kept values (7)`.execute(first.db);
    } finally {
      await first.close();
    }
    const again = await openDatabase({ databaseUrl: null, dataDir });
    try {
      expect(embeddedInitStats.apart).toBe(before + 1); // found, not made again
      const { rows } = await sql<{ n: number }>`select n from kept`.execute(again.db);
      expect(rows).toEqual([{ n: 7 }]);
    } finally {
      await again.close();
    }
  }, 120_000);

  it('fails the start with an error naming its directory and the cause when initdb cannot make it there', async () => {
    const dataDir = tmp();
    // Something that is not PostgreSQL's is where the database's own directory must go.
    fs.mkdirSync(path.join(dataDir, 'pglite'));
    fs.writeFileSync(path.join(dataDir, 'pglite', 'base'), 'not a directory');
    const err = await openDatabase({ databaseUrl: null, dataDir }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^the embedded database could not be initialised in .*pglite: \S/);
    expect(err?.message).toContain(path.join(dataDir, 'pglite'));
  }, 120_000);
});
