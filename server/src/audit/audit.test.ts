import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, makeTestApp, PG_URL, type TestApp } from '../testing/harness';
import { recordAudit, verifyAuditChain } from './service';

const run = promisify(execFile);

describe.each(DIALECTS)('audit trail on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
  });
  afterAll(() => t.close());

  it('records logins, failures and changes with actor, role, hospital, outcome and ip', async () => {
    const admin = await t.login('program');
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'program', password: 'bad-password' },
    });
    const res = await t.as(admin, {
      method: 'POST',
      url: '/api/hospitals',
      payload: {
        nameZh: '囊谦县人民医院',
        nameEn: "Nangqian County People's Hospital",
        tier: 'county',
        region: '青海省玉树州 Yushu, Qinghai',
      },
    });
    expect(res.statusCode).toBe(201);
    const rows = await t.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    const actions = rows.map((r) => `${r.action}:${r.outcome}`);
    expect(actions).toContain('auth.login:success');
    expect(actions).toContain('auth.login:failure');
    const create = rows.find((r) => r.action === 'hospital.create')!;
    expect(create).toMatchObject({
      actor_id: admin.userId,
      actor_role: 'program_admin',
      entity_type: 'hospital',
      entity_id: res.json().id,
      ip: '127.0.0.1',
    });
  });

  it('chains every row to the previous one; concurrent appends keep one order', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordAudit(t.db, {
          actor: null,
          action: 'test.concurrent',
          entityType: 'test',
          entityId: String(i),
        }),
      ),
    );
    const res = await verifyAuditChain(t.db);
    expect(res.ok).toBe(true);
    expect(res.checked).toBeGreaterThanOrEqual(23);
  });

  it('refuses updates and deletes at the database level', async () => {
    await expect(sql`update audit_events set action = 'x' where seq = 1`.execute(t.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_events where seq = 1`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('names the first edited row when someone with DDL rights tampers with it', async () => {
    const before = await verifyAuditChain(t.db);
    expect(before.ok).toBe(true);
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(t.db);
    await sql`update audit_events set outcome = 'success' where seq = (select min(seq) from audit_events where outcome = 'failure')`.execute(
      t.db,
    );
    const tampered = await t.db
      .selectFrom('audit_events')
      .select('seq')
      .where('action', '=', 'auth.login')
      .where('outcome', '=', 'success')
      .orderBy('seq')
      .execute();
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(t.db);
    const after = await verifyAuditChain(t.db);
    expect(after.ok).toBe(false);
    expect(after.reason).toMatch(/contents do not match its hash/);
    expect(tampered.map((r) => r.seq)).toContain(after.firstBadSeq);
    // The sys_admin endpoint says the same.
    const sys = await t.login('sysadmin');
    const api = await t.as(sys, { url: '/api/audit/verify' });
    expect(api.json()).toMatchObject({ ok: false, firstBadSeq: after.firstBadSeq });
  });
});

describe('audit:verify command', () => {
  it('exits 0 on an intact chain and 1 naming the bad row after an edit (PostgreSQL)', async () => {
    const t = await makeTestApp('postgres');
    try {
      await t.login('program');
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s;
      // The CLI signs nothing but checks the head checkpoint with the deployment's key, found in DATA_DIR/keys.
      const env = {
        ...process.env,
        DATABASE_URL: PG_URL,
        DATABASE_SCHEMA: schema,
        DATA_DIR: t.config.dataDir,
        LOG_LEVEL: 'silent',
      };
      const cli = path.resolve(import.meta.dirname, '../cli/audit-verify.ts');
      const cwd = path.resolve(import.meta.dirname, '../..');
      const ok = await run(process.execPath, ['--import', 'tsx', cli], { env, cwd });
      expect(ok.stdout).toMatch(/audit chain intact: \d+ events verified/);
      await sql`alter table audit_events disable trigger audit_events_no_change`.execute(t.db);
      await sql`update audit_events set ip = '10.9.9.9' where seq = (select min(seq) from audit_events)`.execute(
        t.db,
      );
      const first = (
        await t.db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.min('seq').as('s'))
          .executeTakeFirstOrThrow()
      ).s;
      const bad = await run(process.execPath, ['--import', 'tsx', cli], { env, cwd }).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect((bad as { code: number }).code).toBe(1);
      expect((bad as { stderr: string }).stderr).toContain(
        `seq ${first}: row ${first}: its contents do not match its hash`,
      );
    } finally {
      await t.close();
    }
  });
});
