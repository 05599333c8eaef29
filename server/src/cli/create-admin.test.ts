import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { openDatabase } from '../db/connect';
import { dropSchema, freshSchema, PG_URL, testConfig } from '../testing/harness';

const run = promisify(execFile);
const schema = freshSchema();
const env = { ...process.env, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'silent' };
const cwd = path.resolve(import.meta.dirname, '../..');
const cli = (args: string[], extra: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/create-admin.ts', ...args], {
    cwd,
    env: { ...env, ...extra },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

afterAll(() => dropSchema(schema));

describe('create-admin CLI on an empty production database', () => {
  it('migrates, creates the first sys_admin who can then sign in, and refuses duplicates and bad input', async () => {
    const made = await cli(['root.admin', '院方管理员'], { ADMIN_PASSWORD: 'a-very-long-secret' });
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/created sys_admin "root.admin"/);
    expect((await cli(['root.admin'], { ADMIN_PASSWORD: 'a-very-long-secret' })).code).toBe(1);
    const bad = await cli(['Bad Name'], { ADMIN_PASSWORD: 'a-very-long-secret' });
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/usage: create-admin/);
    expect((await cli(['short.pw'], { ADMIN_PASSWORD: 'short' })).out).toMatch(
      /too short: at least 12 characters/,
    );

    const dbh = await openDatabase({ databaseUrl: PG_URL, schema, dataDir: null });
    const app = await buildApp({ config: testConfig({ seedDemo: false }), db: dbh.db, logger: false });
    try {
      expect(await dbh.db.selectFrom('hospitals').select('id').execute()).toEqual([]);
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'root.admin', password: 'a-very-long-secret' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ role: 'sys_admin', hospital: null });
    } finally {
      await app.close();
      await dbh.close();
    }
  }, 120_000);
});
