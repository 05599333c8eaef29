/**
 * Ingest against the size of the archive (`pnpm bench ingest-scale`): does storing an instance cost the same in an
 * archive of a million instances as in an empty one?
 *
 * Data: the built server (`server/dist/main.mjs`) on PostgreSQL (TEST_DATABASE_URL), two fresh schemas, prepared
 * once and kept through the rounds (each session adds its studies to its archive):
 *   - baseline: an empty archive (demo users seeded, no caseload);
 *   - large: the same, then BENCH_ARCHIVE (default 1,000,000) patients, each with one study of one series of one
 *     instance, added by SQL generate_series in Lankao County People's Hospital (the uploading doctor's own), then
 *     ANALYZE. The rows are index rows only (no blobs): what ingest reads is the index.
 * Workload, on each: BENCH_SMALL_STUDIES (default 1000) generated one-instance studies (server/src/imaging/benchdata
 * tinyStudy), one STOW-RS request each, 4 concurrent clients (tests/bench/orthanc.client.ts, its own process).
 * Each server is started for its session only after its rows are in place (a server of the same build started
 * once before created and seeded the schema), so both run the same start-up (the sweep and the demographics
 * refresh, which read the archive too).
 * Measured: studies per second; the sequential scans of the four index tables (imaging_patients, imaging_studies,
 * imaging_series, imaging_instances) during the large archive's sessions, start-up included, from pg_stat_user_tables
 * after the server stopped (its backends report their counts as they exit; the empty archive's tables are scanned,
 * rightly, while they hold a few rows); the time to add the rows. BENCH_RUNS (default 3) rounds, the two
 * alternated (baseline first in odd rounds); medians and min–max; ratio = large / baseline (target ≥ 0.5: an
 * instance costs at most twice in the large archive; before migration 2026_12_11_0100 every batch scanned the four
 * tables and this ratio was ~0.1 at 200,000 rows).
 * The schemas (and the large archive's rows) are dropped at the end of the bench, not between sessions.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runJob, type JobResult } from './orthanc.client';
import { fromServer, median, ROOT, SERVER_DIR, startProc } from './server-process';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ARCHIVE = Number(process.env.BENCH_ARCHIVE ?? 1_000_000);
const SMALL = Number(process.env.BENCH_SMALL_STUDIES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TABLES = ['imaging_patients', 'imaging_studies', 'imaging_series', 'imaging_instances'];

interface PgClient {
  connect(): Promise<void>;
  query<R>(q: string, v?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
const pgClient = async (): Promise<PgClient> => {
  const pg = fromServer('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  return c;
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-ingest-scale-'));
const schemas: string[] = [];
let n = 0;

const serverEnv = (schema: string, dir: string) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'true',
  SEED_DEMO_CASES: 'false',
  DATA_DIR: dir,
  DATABASE_URL: PG_URL,
  DATABASE_SCHEMA: schema,
});

/** A schema migrated and seeded by the server, then `rows` synthetic instances added; returns its name. */
async function prepare(rows: number): Promise<{ schema: string; dir: string; fillSeconds: number }> {
  const schema = `bench_ingscale_${crypto.randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const dir = path.join(work, `data-${++n}`);
  const env = serverEnv(schema, dir);
  await (await startProc(['dist/main.mjs'], env, SERVER_DIR, 600_000)).stop();
  const c = await pgClient();
  const t0 = performance.now();
  try {
    await c.query(`set search_path = "${schema}"`);
    if (rows > 0) {
      const h = `(select id from hospitals where name_en like 'Lankao%')`;
      await c.query(`insert into imaging_patients (id, hospital_id, patient_id, issuer, patient_name, birth_date, sex)
        select md5('p' || g)::uuid, ${h}, 'SYN' || g, '', 'SYN^' || g, '', '' from generate_series(1, ${rows}) g`);
      await c.query(`insert into imaging_studies (id, hospital_id, patient_ref, study_uid, study_date, study_time,
          accession_number, study_id, study_description, referring_physician)
        select md5('s' || g)::uuid, ${h}, md5('p' || g)::uuid, '1.2.826.0.1.3680043.10.1.' || g, '20260101', '',
          '', '', '', '' from generate_series(1, ${rows}) g`);
      await c.query(`insert into imaging_series (id, study_ref, series_uid, modality, series_description, body_part)
        select md5('e' || g)::uuid, md5('s' || g)::uuid, '1.2.826.0.1.3680043.10.2.' || g, 'CT', '', ''
        from generate_series(1, ${rows}) g`);
      await c.query(`insert into imaging_instances (id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid,
          transfer_syntax_uid, frames, sha256, size)
        select md5('i' || g)::uuid, ${h}, md5('s' || g)::uuid, md5('e' || g)::uuid, '1.2.826.0.1.3680043.10.3.' || g,
          '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 1, encode(sha256(('i' || g)::bytea), 'hex'), 1000
        from generate_series(1, ${rows}) g`);
    }
    for (const t of TABLES) await c.query(`vacuum analyze "${schema}".${t}`);
  } finally {
    await c.end();
  }
  return { schema, dir, fillSeconds: (performance.now() - t0) / 1000 };
}

/** Sequential scans of the index tables so far (counts of backends that have exited or reported). */
async function seqScans(schema: string): Promise<number> {
  const c = await pgClient();
  try {
    const { rows } = await c.query<{ n: number }>(
      `select coalesce(sum(seq_scan), 0)::int as n from pg_stat_user_tables
       where schemaname = $1 and relname = any($2)`,
      [schema, TABLES],
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

/** One timed session on a prepared schema: studies/s and the index tables' sequential scans during it. */
async function session(p: { schema: string; dir: string }): Promise<{ rate: number; scans: number }> {
  const before = await seqScans(p.schema);
  const s = await startProc(['dist/main.mjs'], serverEnv(p.schema, p.dir), SERVER_DIR, 600_000);
  let r: JobResult;
  try {
    r = await runJob(
      {
        name: p.schema,
        root: `${s.url}/dicomweb`,
        readyUrl: `${s.url}/api/health`,
        login: { url: `${s.url}/api/auth/login`, username: 'lankao.doctor', password: 'Demo-2026-consult' },
        studies: [],
        clients: 4,
        smallStudies: SMALL,
        frames: [],
        framePasses: 0,
      },
      work,
    );
  } finally {
    await s.stop();
  }
  return { rate: r.small.studies / r.small.seconds, scans: (await seqScans(p.schema)) - before };
}

const cell = (xs: number[]) =>
  `${median(xs).toFixed(1).padStart(7)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;

async function main() {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'infra/build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('infra/build.mjs failed');
  const rates = { baseline: [] as number[], large: [] as number[] };
  const scans = { baseline: [] as number[], large: [] as number[] };
  console.log(
    `${SMALL} one-instance studies at 4 clients; archive of ${ARCHIVE} instances vs empty; ${RUNS} rounds`,
  );
  const prepared = { baseline: await prepare(0), large: await prepare(ARCHIVE) };
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 ? (['large', 'baseline'] as const) : (['baseline', 'large'] as const);
    for (const k of order) {
      const r = await session(prepared[k]);
      rates[k].push(r.rate);
      scans[k].push(r.scans);
      console.log(
        `  round ${run + 1} ${k.padEnd(8)} ${r.rate.toFixed(1)} studies/s, ${r.scans} sequential scans`,
      );
    }
  }
  console.log(`\n${'median (min–max)'.padStart(52)}`);
  console.log(`empty archive (baseline)             ${cell(rates.baseline)} studies/s`);
  console.log(`archive of ${String(ARCHIVE).padEnd(10)} instances     ${cell(rates.large)} studies/s`);
  console.log(
    `ratio large/baseline ${(median(rates.large) / median(rates.baseline)).toFixed(2)} (target ≥ 0.5); ` +
      `sequential scans of the index tables per session of the large archive: ${scans.large.join('/')} ` +
      `(empty archive: ${scans.baseline.join('/')}); ${ARCHIVE} rows of each table added in ${prepared.large.fillSeconds.toFixed(0)} s`,
  );
}

try {
  await main();
} finally {
  const c = await pgClient();
  for (const s of schemas) await c.query(`drop schema if exists "${s}" cascade`);
  await c.end();
  fs.rmSync(work, { recursive: true, force: true });
}
