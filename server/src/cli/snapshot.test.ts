/**
 * `pnpm backup` / `pnpm restore` and `pnpm migrate-embedded-to-postgres`, run as the real CLIs against real data
 * on both databases: a study uploaded, a report signed, the audit chain grown; after restoring into a fresh data
 * dir / schema (or moving the embedded data to PostgreSQL) the platform starts there, the study is retrievable
 * byte for byte, the signature still verifies and `audit:verify` passes. Damaged archives and non-empty targets
 * are refused with a clear message and leave the target untouched.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, CSRF_HEADER } from '@consult/shared';
import type { Config } from '../config';
import { tinyStudy } from '../imaging/benchdata';
import { makeConsultation, sampleContent } from '../reports/fixtures.test-helper';
import { DIALECTS, dropSchema, freshSchema, PG_URL, startTestServer, type Dialect } from '../testing/harness';

const SERVER = path.resolve(import.meta.dirname, '../..');
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `consult-snap-${p}-`));

/** Run one of the server's CLIs (as `pnpm <name>` does) with this target's environment. */
function cli(
  file: string,
  args: string[],
  target: { dataDir: string; dialect: Dialect; schema: string | null },
) {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: target.dataDir,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_SCHEMA;
  if (target.dialect === 'postgres')
    Object.assign(env, { DATABASE_URL: PG_URL, DATABASE_SCHEMA: target.schema! });
  const r = spawnSync(process.execPath, ['--import', 'tsx', `src/${file}`, ...args], {
    cwd: SERVER,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Seeded {
  studyUid: string;
  sopUid: string;
  bytes: Buffer;
  reportId: string;
  auditEvents: number;
}

type Server = Awaited<ReturnType<typeof startTestServer>>;
async function session(s: Server, username: string) {
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: 'Demo-2026-consult' },
  });
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    s.app.inject({
      method,
      url,
      cookies: { [SESSION_COOKIE]: cookie },
      headers: { ...headers, ...(method === 'GET' ? {} : { [CSRF_HEADER]: csrf }) },
      ...(payload !== undefined && { payload: payload as string }),
    });
}

/** A study uploaded by the county, a consultation whose report the specialist signs (each step audited). */
async function seed(s: Server): Promise<Seeded> {
  const county = await session(s, 'lankao.doctor');
  const k = 70_000 + Math.floor(Math.random() * 20_000);
  const bytes = tinyStudy(k);
  const up = await county('POST', '/api/imaging/instances', bytes, { 'content-type': 'application/dicom' });
  expect(up.statusCode, up.body).toBeLessThan(300);
  const { consultationId } = await makeConsultation(s.dbh.db);
  const cardio = await session(s, 'pku.cardio');
  const report = (await cardio('POST', `/api/consultations/${consultationId}/report`)).json() as {
    id: string;
  };
  expect(
    (await cardio('PUT', `/api/reports/${report.id}/draft`, { content: sampleContent(), baseRevision: 0 }))
      .statusCode,
  ).toBe(200);
  const signed = await cardio('POST', `/api/reports/${report.id}/sign`, { password: 'Demo-2026-consult' });
  expect(signed.statusCode, signed.body).toBe(200);
  const audit = await s.dbh.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return {
    studyUid: `1.2.826.0.1.3680043.99.9.${k}`,
    sopUid: `1.2.826.0.1.3680043.99.9.${k}.1.1`,
    bytes,
    reportId: report.id,
    auditEvents: Number(audit.n),
  };
}

/** What a user would check after a restore: the study, the signed report, the audit chain. */
async function expectRestored(
  s: Server,
  seeded: Seeded,
  target: { dataDir: string; dialect: Dialect; schema: string | null },
) {
  const county = await session(s, 'lankao.doctor');
  const qido = await county('GET', `/dicomweb/studies?StudyInstanceUID=${seeded.studyUid}`);
  expect(qido.statusCode).toBe(200);
  expect(qido.json()).toHaveLength(1);
  const wado = await county(
    'GET',
    `/dicomweb/studies/${seeded.studyUid}/series/${seeded.studyUid}.1/instances/${seeded.sopUid}`,
    undefined,
    { accept: 'multipart/related; type="application/dicom"' },
  );
  expect(wado.statusCode).toBe(200);
  expect(wado.rawPayload.includes(seeded.bytes)).toBe(true);
  const cardio = await session(s, 'pku.cardio');
  const verify = await cardio('GET', `/api/reports/${seeded.reportId}/verify`);
  expect(verify.json()).toMatchObject({ ok: true });
  await s.close();
  const audit = cli('cli/audit-verify.ts', [], target);
  expect(audit.out).toMatch(/audit chain intact: (\d+) events verified/);
  expect(Number(/intact: (\d+)/.exec(audit.out)![1])).toBeGreaterThanOrEqual(seeded.auditEvents);
  expect(audit.code).toBe(0);
}

const dirs: string[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(s);
});

function target(dialect: Dialect) {
  const dataDir = tmp('data');
  dirs.push(dataDir);
  const schema = dialect === 'postgres' ? freshSchema() : null;
  if (schema) schemas.push(schema);
  return { dataDir, dialect, schema };
}
const start = (t: ReturnType<typeof target>, extra: Partial<Config> = {}) =>
  startTestServer(t.dialect, { dataDir: t.dataDir, ...(t.schema && { databaseSchema: t.schema }), ...extra });

describe.each(DIALECTS)('backup and restore on %s', (dialect) => {
  const backups = tmp('backups');
  dirs.push(backups);
  const archive = path.join(backups, 'b.tar');
  let seeded: Seeded;

  it('backs up a running platform and restores it into a fresh data dir and database', async () => {
    const src = target(dialect);
    const s = await start(src);
    seeded = await seed(s);
    if (dialect === 'pglite') await s.close(); // the embedded database opens in one process at a time
    const b = cli('cli/backup.ts', [archive], src);
    expect(b.code, b.out).toBe(0);
    expect(b.out).toMatch(/backup written: .*b\.tar \((postgres|pglite): \d+ tables, \d+ rows; \d+ files\)/);
    if (dialect === 'postgres') await s.close();

    const dst = target(dialect);
    fs.rmSync(dst.dataDir, { recursive: true });
    const r = cli('cli/restore.ts', [archive], dst);
    expect(r.code, r.out).toBe(0);
    // The deployment keys travel as database rows: no key file is needed (the restored report verifies below).
    expect(fs.existsSync(path.join(dst.dataDir, 'keys'))).toBe(false);
    await expectRestored(await start(dst, { seedDemo: false }), seeded, dst);
  });

  it('refuses a target that already has data or files, and leaves it as it was', async () => {
    const busy = target(dialect);
    const s = await start(busy);
    await s.close();
    const before = fs.readdirSync(busy.dataDir).sort();
    const r = cli('cli/restore.ts', [archive], busy);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`DATA_DIR ${busy.dataDir} is not empty`);
    expect(fs.readdirSync(busy.dataDir).sort()).toEqual(before);
    if (dialect === 'postgres') {
      const fresh = { ...busy, dataDir: path.join(tmp('x'), 'data') };
      dirs.push(path.dirname(fresh.dataDir));
      const r2 = cli('cli/restore.ts', [archive], fresh);
      expect(r2.code).toBe(2);
      expect(r2.out).toMatch(/the target database already has data \(.*users.*\)/);
      expect(fs.existsSync(fresh.dataDir)).toBe(false);
    }
  });

  const damage: [string, (buf: Buffer) => Buffer, RegExp][] = [
    [
      'truncated',
      (b) => b.subarray(0, Math.floor(b.length / 2)),
      /cannot be read|missing or damaged|lacks|damaged/,
    ],
    ['a flipped byte in the rows', (b) => flipInRows(b), /damaged \(checksum differs\)/],
    [
      'not a tar file',
      () => Buffer.from('hello, this is not an archive'),
      /cannot be read|not a platform snapshot/,
    ],
    ['empty', () => Buffer.alloc(0), /cannot be read|not a platform snapshot/],
  ];
  for (const [name, mutate, message] of damage) {
    it(`refuses a damaged archive (${name}) and restores nothing`, () => {
      const bad = path.join(backups, `bad-${name.replace(/\W+/g, '-')}.tar`);
      fs.writeFileSync(bad, mutate(fs.readFileSync(archive)));
      const dst = target(dialect);
      fs.rmSync(dst.dataDir, { recursive: true });
      const r = cli('cli/restore.ts', [bad], dst);
      expect(r.code, r.out).toBe(2);
      expect(r.out).toMatch(message);
      expect(fs.existsSync(dst.dataDir)).toBe(false);
      expect(
        fs.readdirSync(path.dirname(dst.dataDir)).filter((f) => f.startsWith(path.basename(dst.dataDir))),
      ).toEqual([]);
    });
  }
});

/** Flip one byte inside the first non-empty table file of the archive (tar stores members uncompressed). */
function flipInRows(b: Buffer): Buffer {
  const copy = Buffer.from(b);
  const at = copy.indexOf('"id":"');
  expect(at).toBeGreaterThan(0);
  copy[at + 7] = copy[at + 7] === 0x61 ? 0x62 : 0x61;
  return copy;
}

describe('backup of nothing', () => {
  it('says so instead of writing an empty archive (no embedded database; a schema without the platform)', () => {
    const empty = target('pglite');
    const out = path.join(empty.dataDir, 'never.tar');
    const r = cli('cli/backup.ts', [out], empty);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/no embedded database in .*: nothing to back up/);
    const pgEmpty = target('postgres');
    const r2 = cli('cli/backup.ts', [out], pgEmpty);
    expect(r2.code).toBe(2);
    expect(r2.out).toContain(`schema ${pgEmpty.schema} holds no platform data`);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('migrate-embedded-to-postgres', () => {
  it('moves the embedded data to PostgreSQL: the platform starts there with the study, the signed report and the audit chain', async () => {
    const src = target('pglite');
    const s = await start(src);
    const seeded = await seed(s);
    await s.close();
    const pgTarget = { dataDir: src.dataDir, dialect: 'postgres' as const, schema: freshSchema() };
    schemas.push(pgTarget.schema);
    const m = cli('cli/migrate-embedded-to-postgres.ts', [], pgTarget);
    expect(m.code, m.out).toBe(0);
    expect(m.out).toMatch(/moved \d+ rows of \d+ tables to PostgreSQL/);
    // A second run finds data there and changes nothing.
    const again = cli('cli/migrate-embedded-to-postgres.ts', [], pgTarget);
    expect(again.code).toBe(2);
    expect(again.out).toMatch(/already has data/);
    await expectRestored(await start(pgTarget, { seedDemo: false, databaseUrl: PG_URL }), seeded, pgTarget);
  });

  it('says what is missing: no DATABASE_URL, or no embedded database in DATA_DIR', () => {
    const empty = target('pglite');
    const r = cli('cli/migrate-embedded-to-postgres.ts', [], empty);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/set DATABASE_URL/);
    const r2 = cli('cli/migrate-embedded-to-postgres.ts', [], {
      ...empty,
      dialect: 'postgres',
      schema: freshSchema(),
    });
    expect(r2.code).toBe(2);
    expect(r2.out).toMatch(/no embedded database in/);
  });
});
