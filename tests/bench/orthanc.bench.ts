/**
 * Imaging against Orthanc (`pnpm bench orthanc`), issue 14's baseline, on the real shared corpus.
 *
 * Data: every file of DICOM_CORPUS_DIR (default ../shared/dicom-corpus; MANIFEST.tsv) that parses, one per SOP
 * Instance UID, sent one study per STOW-RS request; then only the instances BOTH servers stored in an untimed
 * warm-up session (the corpus holds deliberately broken files each server may judge differently), so both ingest
 * the same bytes. Many small studies: BENCH_SMALL_STUDIES (default 1000) generated one-instance studies, one per
 * request. WADO-RS frames: frames 1–4 of every stored image, as stored (transfer-syntax=*), 4 in flight, only the
 * frames both servers answered in the warm-up, BENCH_FRAME_PASSES (3) passes per session.
 *
 * Servers (each session starts from empty storage: a fresh server, timed only once it answers):
 *   - ours, embedded default: `server/dist/main.mjs` (what `pnpm start` runs) on PGlite, its DATA_DIR copied from a
 *     template started once (demo users seeded, no caseload);
 *   - ours, PostgreSQL: the same on TEST_DATABASE_URL in a fresh schema;
 *   - baseline: Orthanc from Debian (`orthanc` + `orthanc-dicomweb`, installed by infra/system-deps.sh; this bench
 *     installs nothing), its own storage directory. Orthanc listens on all interfaces, so it runs in a network
 *     namespace of its own with loopback only (`ip netns add`, `ip netns exec`; needs root) and its workload client
 *     runs inside the same namespace: nothing is reachable from outside. Our server listens on 127.0.0.1 and its
 *     client runs on the host loopback (it needs the shared PostgreSQL). Without Orthanc or a namespace the bench
 *     says why and prints our figures without ratios.
 * Measured per session: corpus ingest at 1 client (then frames) and, in a second session, at 4 clients (then the
 * small studies, also at 4 clients). BENCH_RUNS (default 3) runs, the targets' order alternated each run; medians
 * and min–max printed, ratio = ours / Orthanc of the medians (higher is better). After the figures, where our
 * instances' time went in the 4-client sessions: the mean per stage of ingest each server reports on /metrics
 * (consult_ingest_stage_seconds, server/src/imaging/ingest-timing.ts) and the group commit's mean batch.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runJob, type Job, type JobResult } from './orthanc.client';
import {
  fromServer,
  ingestStages,
  type IngestStages,
  median,
  type Proc,
  ROOT,
  SERVER_DIR,
  START_ARGS,
  startProc,
} from './server-process';
import { parseDataSet, text } from '../../server/src/imaging/dicom';

const CORPUS = path.resolve(ROOT, process.env.DICOM_CORPUS_DIR ?? '../shared/dicom-corpus');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SMALL = Number(process.env.BENCH_SMALL_STUDIES ?? 1000);
const FRAME_PASSES = Number(process.env.BENCH_FRAME_PASSES ?? 3);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORTHANC = '/usr/sbin/Orthanc';
const ORTHANC_DICOMWEB = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const LOGIN = { username: 'lankao.doctor', password: 'Demo-2026-consult' };

/** The few node-postgres calls used here (pg is the server's dependency). */
interface PgClient {
  connect(): Promise<void>;
  query(q: string): Promise<unknown>;
  end(): Promise<void>;
}
type Target = 'embedded' | 'postgres' | 'orthanc';
interface Instance {
  file: string;
  study: string;
  series: string;
  sop: string;
  frames: number;
}

// ------------------------------------------------------------------ the corpus
function corpus(): Instance[] {
  const rows = fs.readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  const seen = new Set<string>();
  const out: Instance[] = [];
  for (const row of rows) {
    const [rel, , modality, , ts, rowsN, , , frames] = row.split('\t');
    if (!rel || !modality || !ts || ts === '(no meta)') continue;
    const file = path.join(CORPUS, rel);
    try {
      const ds = parseDataSet(fs.readFileSync(file));
      const [study, series, sop] = [text(ds, 'x0020000d'), text(ds, 'x0020000e'), text(ds, 'x00080018')];
      if (!study || !series || !sop || seen.has(sop)) continue;
      seen.add(sop);
      const image = Number(rowsN) > 0;
      out.push({ file, study, series, sop, frames: image ? Math.max(1, Number(frames) || 1) : 0 });
    } catch {
      // not parseable here: left out of the workload (the fuzz and corpus tests cover refusals)
    }
  }
  return out;
}

const byStudy = (xs: Instance[]): string[][] => {
  const m = new Map<string, string[]>();
  for (const x of xs) m.set(x.study, [...(m.get(x.study) ?? []), x.file]);
  return [...m.values()];
};
const frameUrls = (xs: Instance[]): string[] =>
  xs.flatMap((x) =>
    Array.from(
      { length: Math.min(x.frames, 4) },
      (_v, i) => `studies/${x.study}/series/${x.series}/instances/${x.sop}/frames/${i + 1}`,
    ),
  );

// ------------------------------------------------------------------ servers
interface Running {
  root: string;
  readyUrl: string;
  login?: Job['login'];
  netns: string | null;
  /** Ours: where its instances' time went (its /metrics). */
  stages?: () => Promise<IngestStages>;
  stop(): Promise<void>;
}

/**
 * KEEP_STORAGE: every session's storage (directories, PostgreSQL schema) is removed when the bench ends, not when
 * the session ends. On ext4 without a journal (this machine's root file system) the inode allocator skips the inodes
 * freed in the last ~30 s (dirty_expire_centisecs) one by one, reading each from the inode table
 * (ialloc.c find_inode_bit → recently_deleted): after the previous session's thousands of files are deleted, every
 * file the next server creates costs kernel time, whichever server that is. Measured on our server, 3,000 small
 * studies at 4 clients right after 5,000 files were deleted nearby: 363 /s and 1.5 ms of kernel CPU per instance,
 * against 510 /s and 0.6 ms with none deleted in the last 30 s.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-orthanc-bench-'));
const cleanup: (() => Promise<void> | void)[] = [() => fs.rmSync(work, { recursive: true, force: true })];
let sessionNo = 0;
let template: string | null = null;

const oursEnv = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'true',
  SEED_DEMO_CASES: 'false',
};
const startOurs = (env: Record<string, string>): Promise<Proc> =>
  startProc(START_ARGS, { ...oursEnv, ...env }, SERVER_DIR, 600_000);

function asRunning(p: Proc): Running {
  return {
    root: `${p.url}/dicomweb`,
    readyUrl: `${p.url}/api/health`,
    login: { url: `${p.url}/api/auth/login`, ...LOGIN },
    netns: null,
    stages: () => ingestStages(p.url),
    stop: () => p.stop(),
  };
}

async function startEmbedded(): Promise<Running> {
  if (!template) {
    template = path.join(work, 'template');
    await (await startOurs({ DATA_DIR: template })).stop();
  }
  const dir = path.join(work, `embedded-${++sessionNo}`);
  fs.cpSync(template, dir, { recursive: true });
  return asRunning(await startOurs({ DATA_DIR: dir })); // its directory goes with `work`, at the end (KEEP_STORAGE)
}

/**
 * The shared PostgreSQL also serves other engineers' tests, whose schema churn can fail a migration's catalog
 * read ("schema … does not exist"); such a start is retried in a fresh schema, at most 3 times.
 */
async function startPostgres(): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    const schema = `bench_orth_${crypto.randomBytes(4).toString('hex')}`;
    const dir = path.join(work, `pg-${++sessionNo}`);
    try {
      const p = await startOurs({ DATA_DIR: dir, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema });
      cleanup.push(() => dropSchema(schema, dir)); // at the end, not between sessions (KEEP_STORAGE)
      return asRunning(p);
    } catch (e) {
      await dropSchema(schema, dir);
      if (attempt >= 3 || !/migration .* failed/.test(String(e))) throw e;
      console.log(`  (PostgreSQL start ${attempt} hit a migration race; retrying in a fresh schema)`);
    }
  }
}

async function dropSchema(schema: string, dir: string): Promise<void> {
  const pg = fromServer('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`drop schema if exists "${schema}" cascade`);
  await c.end();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Why Orthanc cannot be the baseline here, or null when it can (binary, plugin, a namespace of our own). */
function orthancUnavailable(): string | null {
  if (!fs.existsSync(ORTHANC) || !fs.existsSync(ORTHANC_DICOMWEB))
    return 'Orthanc is not installed (Debian packages orthanc + orthanc-dicomweb; infra/system-deps.sh installs them)';
  const add = spawnSync('ip', ['netns', 'add', NETNS]);
  if (add.status !== 0)
    return `cannot create a network namespace (${add.stderr.toString().trim()}); run as root`;
  cleanup.push(() => void spawnSync('ip', ['netns', 'delete', NETNS]));
  spawnSync('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']);
  return null;
}
const NETNS = `consultorth${process.pid}`;

async function startOrthanc(): Promise<Running> {
  const dir = path.join(work, `orthanc-${++sessionNo}`);
  fs.mkdirSync(path.join(dir, 'db'), { recursive: true });
  const config = {
    Name: 'bench',
    HttpPort: 8042,
    DicomServerEnabled: false,
    RemoteAccessAllowed: true,
    AuthenticationEnabled: false,
    StorageDirectory: path.join(dir, 'db'),
    IndexDirectory: path.join(dir, 'db'),
    StorageCompression: false,
    Plugins: [ORTHANC_DICOMWEB],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, WadoRoot: '/wado' },
  };
  fs.writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  const proc = spawn('ip', ['netns', 'exec', NETNS, ORTHANC, path.join(dir, 'orthanc.json')], {
    stdio: 'ignore',
  });
  return {
    root: 'http://127.0.0.1:8042/dicom-web',
    readyUrl: 'http://127.0.0.1:8042/system',
    netns: NETNS,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      // Its directory goes with `work`, at the end (KEEP_STORAGE).
    },
  };
}

const START: Record<Target, () => Promise<Running>> = {
  embedded: startEmbedded,
  postgres: startPostgres,
  orthanc: startOrthanc,
};

// ------------------------------------------------------------------ sessions
async function session(
  target: Target,
  load: Pick<Job, 'studies' | 'clients' | 'smallStudies' | 'frames' | 'framePasses'>,
): Promise<JobResult & { stages?: IngestStages }> {
  const s = await START[target]();
  try {
    const r = await runJob(
      { name: target, root: s.root, readyUrl: s.readyUrl, login: s.login, ...load },
      work,
      s.netns,
    );
    return { ...r, stages: await s.stages?.() };
  } finally {
    await s.stop();
  }
}

// ------------------------------------------------------------------ report
const cell = (xs: number[]) =>
  xs.length
    ? `${median(xs).toFixed(1).padStart(7)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`.padEnd(
        26,
      )
    : 'n/a'.padEnd(26);

async function main() {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'infra/build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('infra/build.mjs failed');
  const why = orthancUnavailable();
  if (why) console.log(`Orthanc baseline unavailable: ${why}. Our figures follow, without ratios.`);
  const targets: Target[] = why ? ['embedded', 'postgres'] : ['embedded', 'postgres', 'orthanc'];
  const all = corpus();
  console.log(`corpus ${CORPUS}: ${all.length} parseable instances (one per SOP Instance UID)`);

  // Warm-up (untimed for the report): what each server stores and serves; the workload is what all of them do.
  const warm = new Map<Target, JobResult>();
  for (const t of targets)
    warm.set(
      t,
      await session(t, {
        studies: byStudy(all),
        clients: 1,
        smallStudies: 0,
        frames: frameUrls(all),
        framePasses: 1,
      }),
    );
  const both = (f: (r: JobResult) => string[]) =>
    [...warm.values()].map((r) => new Set(f(r))).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
  const stored = both((r) => r.stow.accepted);
  const set = all.filter((x) => stored.has(x.sop));
  const servedFrames = both((r) => r.frames.ok);
  const frames = frameUrls(set).filter((f) => servedFrames.has(f));
  const studies = byStudy(set);
  const mb = set.reduce((s, x) => s + fs.statSync(x.file).size, 0) / 1048576;
  console.log(
    `workload: ${set.length} instances stored by all (${mb.toFixed(1)} MB, ${studies.length} studies; ` +
      `${[...warm].map(([t, r]) => `${t} stored ${r.stow.accepted.length}`).join(', ')}), ` +
      `${frames.length} frames, ${SMALL} small studies; ${RUNS} run(s), order alternated`,
  );

  const figures = new Map<string, number[]>();
  /** Ours, per target: each 4-client session's mean time per stage of ingest (ms) and batch size. */
  const stages = new Map<Target, IngestStages[]>();
  const add = (k: string, v: number) => figures.set(k, [...(figures.get(k) ?? []), v]);
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 ? [...targets].reverse() : targets;
    for (const t of order) {
      const one = await session(t, {
        studies,
        clients: 1,
        smallStudies: 0,
        frames,
        framePasses: FRAME_PASSES,
      });
      add(`${t} ingest 1`, one.stow.instances / one.stow.seconds);
      add(`${t} frames`, median(one.frames.perSecond));
      const four = await session(t, { studies, clients: 4, smallStudies: SMALL, frames: [], framePasses: 0 });
      add(`${t} ingest 4`, four.stow.instances / four.stow.seconds);
      add(`${t} small 4`, four.small.studies / four.small.seconds);
      if (four.stages) stages.set(t, [...(stages.get(t) ?? []), four.stages]);
      const f = (v: number) => v.toFixed(1);
      console.log(
        `  run ${run + 1} ${t}: ingest 1 ${f(one.stow.instances / one.stow.seconds)} inst/s, ingest 4 ` +
          `${f(four.stow.instances / four.stow.seconds)} inst/s, small 4 ${f(four.small.studies / four.small.seconds)} ` +
          `studies/s, frames ${f(median(one.frames.perSecond))}/s (load ${os.loadavg()[0]!.toFixed(2)})`,
      );
    }
  }

  const rows: [string, string, string][] = [
    ['ingest 1', 'STOW-RS corpus, 1 client', 'inst/s'],
    ['ingest 4', 'STOW-RS corpus, 4 clients', 'inst/s'],
    ['small 4', `STOW-RS ${SMALL} small studies, 4 clients`, 'studies/s'],
    ['frames', 'WADO-RS frames, 4 in flight', 'frames/s'],
  ];
  console.log(`\n${'median (min–max)'.padStart(72)}`);
  for (const [key, label, unit] of rows) {
    const orth = figures.get(`orthanc ${key}`) ?? [];
    for (const t of ['embedded', 'postgres'] as const) {
      const ours = figures.get(`${t} ${key}`) ?? [];
      const ratio = orth.length
        ? `ours/Orthanc ${(median(ours) / median(orth)).toFixed(2)}`
        : '(no baseline)';
      console.log(
        `${label.padEnd(40)} ${t.padEnd(9)} ${cell(ours)} | Orthanc ${cell(orth)} ${unit.padEnd(9)} ${ratio}`,
      );
    }
  }
  // Why an upload of ours takes the time it does: its stages (server/src/imaging/ingest-timing.ts), from the
  // 4-client sessions (corpus, then the small studies); queued, file_sync and transaction are waited for in turn.
  const order = ['file_sync', 'queued', 'identity_lock', 'index_write', 'blob_place', 'transaction'];
  console.log(`\nours, 4-client sessions: mean ms per instance in each stage of ingest (median of the runs)`);
  for (const [t, runs] of stages) {
    const cells = order.map((k) => `${k} ${median(runs.map((r) => r.ms[k] ?? NaN)).toFixed(2)}`);
    console.log(
      `  ${t.padEnd(9)} ${cells.join(', ')}; batch ${median(runs.map((r) => r.batch)).toFixed(1)} instances`,
    );
  }
}

try {
  await main();
} finally {
  for (const c of cleanup.reverse()) await c();
}
