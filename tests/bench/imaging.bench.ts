/**
 * Imaging benchmark (`pnpm bench imaging`): STOW-RS ingest (instances/s, MB/s), QIDO-RS study search p95 over
 * 10 000 studies, WADO-RS frames/s. Baseline in the same run on the same files and queries: Orthanc from Debian
 * (`orthanc` + `orthanc-dicomweb`). Orthanc listens on all interfaces, so it runs inside a network namespace
 * with only loopback (`ip netns add` / `ip netns exec`; needs root) and its benchmark client runs inside that
 * namespace too. Our server runs as a child process on PostgreSQL (TEST_DATABASE_URL) in a fresh schema.
 *
 * Data: a 300-slice CT series generated from the corpus's generated/ct_series/slice_1.dcm by rewriting its
 * UIDs (same lengths, so the files stay valid). QIDO: 10 000 synthetic studies; ours get index rows inserted
 * directly (the brief's method), Orthanc gets 10 000 tiny instances through STOW first (not timed).
 * Env: BENCH_SLICES (300), BENCH_QIDO_STUDIES (10000), BENCH_QIDO_QUERIES (200).
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QIDO_STUDIES, type ClientConfig, type Result } from './imaging.client';
import { parseDataSet, text } from '../../server/src/imaging/dicom';
import { fromServer, ROOT, runWorkloadClient, SERVER_DIR, startProc } from './server-process';

const CORPUS = path.resolve(ROOT, '../shared/dicom-corpus');
const SLICES = Number(process.env.BENCH_SLICES ?? 300);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORTHANC = '/usr/sbin/Orthanc';
const ORTHANC_DICOMWEB = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** The few node-postgres calls used here (pg is the server's dependency). */
interface PgClient {
  connect(): Promise<void>;
  query(q: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

// ------------------------------------------------------------------ time to first image (Chromium, our viewer)
/**
 * Open the generated 300-slice study in our viewer in headless Chromium (built client served by the server)
 * and time navigation → first non-black pixels on the viewport canvas. Median of 3 cold page loads.
 */
async function timeToFirstImage(url: string, sliceDir: string): Promise<number[] | null> {
  const dist = path.join(ROOT, 'client/dist/index.html');
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(dist) || !fs.existsSync(chromiumPath)) {
    console.log('time to first image skipped: build the client (pnpm build) and install chromium');
    return null;
  }
  const { chromium } = createRequire(path.join(ROOT, 'tests/package.json'))(
    'playwright-core',
  ) as typeof import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    headless: true,
  });
  try {
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: 'Demo-2026-consult' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    // Found by its patient: the 10 000 synthetic studies sort before it by date.
    const first = fs.readdirSync(sliceDir).sort()[0]!;
    const patientId = text(parseDataSet(fs.readFileSync(path.join(sliceDir, first))), 'x00100020');
    const list = (await (
      await fetch(`${url}/api/imaging/studies?patientId=${encodeURIComponent(patientId)}&limit=500`, {
        headers: { cookie },
      })
    ).json()) as { id: string; numInstances: number }[];
    const study = list.find((x) => x.numInstances === SLICES);
    if (!study) throw new Error('generated study not found');
    const [name, value] = cookie.split('=') as [string, string];
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      await ctx.addCookies([{ name, value, url }]);
      const page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(`${url}/imaging/studies/${study.id}`);
      await page.waitForFunction(
        () => {
          const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewport] canvas');
          if (!c || !c.width) return false;
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 16) if (d[i]! + d[i + 1]! + d[i + 2]! > 0) return true;
          return false;
        },
        undefined,
        { timeout: 60_000, polling: 20 },
      );
      times.push(performance.now() - t0);
      await ctx.close();
    }
    return times;
  } finally {
    await browser.close();
  }
}

// ------------------------------------------------------------------ orchestration
const runClientProcess = (cfg: ClientConfig, netns: string | null): Promise<Result> =>
  runWorkloadClient<Result>(
    path.join(import.meta.dirname, 'imaging.client.ts'),
    JSON.stringify(cfg),
    cfg.name,
    netns,
  );

async function main() {
  const { generateSlices } = await import('../../server/src/imaging/benchdata');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-imgbench-'));
  const sliceDir = path.join(work, 'slices');
  generateSlices(path.join(CORPUS, 'generated/ct_series/slice_1.dcm'), sliceDir, SLICES);
  const results: Result[] = [];
  const cleanup: (() => Promise<void> | void)[] = [() => fs.rmSync(work, { recursive: true, force: true })];
  try {
    results.push(await benchOurs(sliceDir, work, cleanup));
    const o = await benchOrthanc(sliceDir, work, cleanup);
    if (o) results.push(o);
  } finally {
    for (const c of cleanup.reverse()) await c();
  }
  report(results);
}

async function benchOurs(
  sliceDir: string,
  work: string,
  cleanup: (() => Promise<void> | void)[],
): Promise<Result> {
  const pg = fromServer('pg') as { Client: new (o: { connectionString: string }) => PgClient };
  const schema = `bench_img_${crypto.randomBytes(4).toString('hex')}`;
  const dataDir = path.join(work, 'ours');
  fs.mkdirSync(dataDir);
  const server = await startProc(
    ['--import', 'tsx', 'src/main.ts'],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      SEED_DEMO_CASES: 'false',
      SEED_DEMO: 'true',
    },
    SERVER_DIR,
  );
  cleanup.push(async () => {
    await server.stop();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  });
  const { url } = server;
  // 10 000 synthetic studies as index rows (one series, one instance each) in lankao's hospital.
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`set search_path = "${schema}"`);
  const hid = (await c.query(`select hospital_id from users where username = 'lankao.doctor'`)).rows[0]!
    .hospital_id as string;
  const t = performance.now();
  await c.query(
    `insert into imaging_patients (id, hospital_id, patient_id, patient_name, birth_date, sex)
     select gen_random_uuid(), $1, 'SYN' || g, (array['ZHANG','WANG','LI','LIU','CHEN'])[1 + g % 5] || '^P' || g, '19600101', 'M'
     from generate_series(1, $2::int) g`,
    [hid, QIDO_STUDIES],
  );
  await c.query(
    `insert into imaging_studies (id, hospital_id, patient_ref, study_uid, study_date, study_time, accession_number, study_id, study_description, referring_physician)
     select gen_random_uuid(), $1, p.id, '1.2.826.0.1.3680043.99.9.' || substr(p.patient_id, 4), to_char(date '2020-01-01' + (substr(p.patient_id, 4)::int % 2000), 'YYYYMMDD'),
            '120000', 'ACC' || substr(p.patient_id, 4), '1', 'synthetic', ''
     from imaging_patients p where p.hospital_id = $1 and p.patient_id like 'SYN%'`,
    [hid],
  );
  await c.query(
    `insert into imaging_series (id, study_ref, series_uid, modality, series_number, series_description, body_part)
     select gen_random_uuid(), s.id, s.study_uid || '.1', (array['CT','MR','CR','DX','US'])[1 + substr(s.accession_number, 4)::int % 5], 1, '', ''
     from imaging_studies s where s.study_description = 'synthetic'`,
  );
  await c.query(
    `insert into imaging_instances (id, hospital_id, study_ref, series_ref, sop_uid, sop_class_uid, transfer_syntax_uid, instance_number, frames, sha256, size)
     select gen_random_uuid(), $1, se.study_ref, se.id, se.series_uid || '.1', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.1.2.1', 1, 0, repeat('0', 64), 0
     from imaging_series se join imaging_studies s on s.id = se.study_ref where s.study_description = 'synthetic'`,
    [hid],
  );
  await c.query('analyze');
  await c.end();
  console.log(
    `ours: ${QIDO_STUDIES} synthetic studies inserted in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const r = await runClientProcess(
    {
      name: 'ours',
      root: `${url}/dicomweb`,
      readyUrl: `${url}/api/health`,
      login: { url: `${url}/api/auth/login`, username: 'lankao.doctor', password: 'Demo-2026-consult' },
      sliceDir,
      seedQido: 0,
    },
    null,
  );
  ttfi = await timeToFirstImage(url, sliceDir).catch((e: unknown) => {
    console.log(`time to first image failed: ${(e as Error).message}`);
    return null;
  });
  return r;
}

let ttfi: number[] | null = null;

async function benchOrthanc(
  sliceDir: string,
  work: string,
  cleanup: (() => Promise<void> | void)[],
): Promise<Result | null> {
  if (!fs.existsSync(ORTHANC) || !fs.existsSync(ORTHANC_DICOMWEB)) {
    console.log(
      'Orthanc baseline skipped: install the Debian packages orthanc and orthanc-dicomweb (infra/system-deps.sh)',
    );
    return null;
  }
  const ns = `consultimg${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns]);
  if (add.status !== 0) {
    console.log(
      `Orthanc baseline skipped: cannot create a network namespace (${add.stderr.toString().trim()}); run as root`,
    );
    return null;
  }
  cleanup.push(() => void spawnSync('ip', ['netns', 'delete', ns]));
  spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  const dir = path.join(work, 'orthanc');
  fs.mkdirSync(path.join(dir, 'db'), { recursive: true });
  const port = 8042;
  const config = {
    Name: 'bench',
    HttpPort: port,
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
  const proc = spawn('ip', ['netns', 'exec', ns, ORTHANC, path.join(dir, 'orthanc.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  cleanup.push(async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  });
  try {
    return await runClientProcess(
      {
        name: 'orthanc',
        root: `http://127.0.0.1:${port}/dicom-web`,
        readyUrl: `http://127.0.0.1:${port}/system`,
        sliceDir,
        seedQido: QIDO_STUDIES,
      },
      ns,
    );
  } catch (e) {
    console.log(`Orthanc baseline failed: ${(e as Error).message}\nOrthanc log tail:\n${log.slice(-2000)}`);
    return null;
  }
}

function report(rs: Result[]) {
  const ours = rs.find((r) => r.name === 'ours')!;
  const orth = rs.find((r) => r.name === 'orthanc');
  const f = (r: Result) => ({
    ips: r.stow.instances / r.stow.seconds,
    mbps: r.stow.bytes / 1048576 / r.stow.seconds,
    p95: r.qido.p95,
    p50: r.qido.p50,
    fps: r.frames.frames / r.frames.seconds,
  });
  const a = f(ours);
  const b = orth ? f(orth) : null;
  const row = (label: string, x: number, y: number | null, unit: string, higherBetter: boolean) =>
    console.log(
      `${label.padEnd(30)} ours ${x.toFixed(1).padStart(9)} ${unit.padEnd(6)}` +
        (y === null
          ? '   (no baseline)'
          : ` | Orthanc ${y.toFixed(1).padStart(9)} ${unit.padEnd(6)} | ours/Orthanc ${(x / y).toFixed(2)} (${higherBetter ? 'higher' : 'lower'} is better)`),
    );
  console.log(
    `\nimaging: ${ours.stow.instances} CT slices (${(ours.stow.bytes / 1048576).toFixed(1)} MB), QIDO over ${QIDO_STUDIES} synthetic studies (+1 CT study), ${ours.qido.queries} queries`,
  );
  row('STOW-RS ingest', a.ips, b?.ips ?? null, 'inst/s', true);
  row('STOW-RS ingest', a.mbps, b?.mbps ?? null, 'MB/s', true);
  row('QIDO-RS study search p50', a.p50, b?.p50 ?? null, 'ms', false);
  row('QIDO-RS study search p95', a.p95, b?.p95 ?? null, 'ms', false);
  row('WADO-RS frames', a.fps, b?.fps ?? null, 'fr/s', true);
  if (ttfi) {
    const med = [...ttfi].sort((x, y) => x - y)[1]!;
    console.log(
      `${'time to first image (Chromium)'.padEnd(30)} ours ${med.toFixed(1).padStart(9)} ms     (median of ${ttfi.map((x) => x.toFixed(0)).join(', ')}; no Orthanc baseline: Debian's Orthanc ships no web viewer)`,
    );
  }
}

await main();
