/**
 * DATABASE_URL may carry server settings of its own (`?options=-c …`). node-postgres lets the URL's `options`
 * replace the pool's, so the schema's search_path (DATABASE_SCHEMA) was silently dropped: migrations ran and every
 * table was used in `public`. Both must apply: the URL's settings and the schema.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, withSchemaPath } from './connect';
import { dropSchema, freshSchema, PG_URL } from '../testing/harness';

const withOptions = (url: string, options: string) => {
  const u = new URL(url);
  u.searchParams.set('options', options);
  return u.toString();
};

describe('DATABASE_URL with options of its own', () => {
  const schema = freshSchema();
  afterAll(async () => dropSchema(schema));

  it('keeps both the URL’s settings and the schema’s search_path, whatever the URL holds', () => {
    const path = `-c search_path="s1",public`;
    expect(withSchemaPath('postgres://u@h:5432/db', 's1')).toEqual({
      connectionString: 'postgres://u@h:5432/db',
      options: path,
    });
    const merged = withSchemaPath('postgres://u@h:5432/db?options=-c%20work_mem%3D7MB&sslmode=disable', 's1');
    expect(merged.options).toBe(`-c work_mem=7MB ${path}`);
    expect(new URL(merged.connectionString).searchParams.get('options')).toBeNull();
    expect(new URL(merged.connectionString).searchParams.get('sslmode')).toBe('disable');
    expect(withSchemaPath('postgres://u@h/db?options=-c%20x%3D1', null)).toEqual({
      connectionString: 'postgres://u@h/db?options=-c%20x%3D1',
    });
  });

  it('migrates into DATABASE_SCHEMA and applies the URL’s own setting (PostgreSQL)', async () => {
    const h = await openDatabase({
      databaseUrl: withOptions(PG_URL, '-c work_mem=7MB'),
      schema,
      dataDir: null,
    });
    try {
      await migrateToLatest(h.db);
      const { rows } = await sql<{ s: string; wm: string; ns: string | null }>`select current_schema() as s,
        current_setting('work_mem') as wm,
        (select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.oid = to_regclass('audit_events')) as ns`.execute(h.db);
      expect(rows).toEqual([{ s: schema, wm: '7MB', ns: schema }]);
    } finally {
      await h.close();
    }
  });
});
