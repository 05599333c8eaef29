/**
 * Benchmark client of tests/bench/imaging.bench.ts (not a benchmark itself): runs the STOW / QIDO / WADO-RS
 * workload against one DICOMweb server and prints `RESULT <json>`. The orchestrator starts it as a separate
 * process so that, for Orthanc, it can run inside Orthanc's loopback-only network namespace.
 *   node --import tsx tests/bench/imaging.client.ts '<ClientConfig json>'
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tinyStudy } from '../../server/src/imaging/benchdata';

const QIDO_QUERIES = Number(process.env.BENCH_QIDO_QUERIES ?? 200);
export const QIDO_STUDIES = Number(process.env.BENCH_QIDO_STUDIES ?? 10_000);

export interface ClientConfig {
  name: string;
  /** DICOMweb root, e.g. http://127.0.0.1:3000/dicomweb */
  root: string;
  login?: { url: string; username: string; password: string };
  /** Wait for this URL to answer 200 first. */
  readyUrl: string;
  sliceDir: string;
  /** STOW this many tiny studies before the QIDO measurement (Orthanc has no other way in). */
  seedQido: number;
}

export interface Result {
  name: string;
  stow: { instances: number; bytes: number; seconds: number };
  qido: { queries: number; p50: number; p95: number; studies: number };
  frames: { frames: number; seconds: number };
}

function multipart(files: Buffer[]) {
  const boundary = `bench-${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const f of files)
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      f,
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    type: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** The QIDO query mix (same for both servers). */
function queries(n: number): string[] {
  const names = ['ZHANG', 'WANG', 'LI', 'LIU', 'CHEN'];
  const mods = ['CT', 'MR', 'CR', 'DX', 'US'];
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    switch (k % 4) {
      case 0:
        out.push(`PatientName=${names[k % 5]}*&limit=25`);
        break;
      case 1:
        out.push(
          `StudyDate=2021${String(1 + (k % 12)).padStart(2, '0')}01-2021${String(1 + (k % 12)).padStart(2, '0')}28&limit=25`,
        );
        break;
      case 2:
        out.push(`ModalitiesInStudy=${mods[k % 5]}&limit=25`);
        break;
      default:
        out.push(`PatientID=SYN${1 + ((k * 37) % QIDO_STUDIES)}`);
    }
  }
  return out;
}

async function runClient(cfg: ClientConfig): Promise<Result> {
  const headers: Record<string, string> = {};
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const r = await fetch(cfg.readyUrl);
      if (r.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${cfg.name} did not come up`);
    await new Promise((r) => setTimeout(r, 300));
  }
  if (cfg.login) {
    const res = await fetch(cfg.login.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: cfg.login.username, password: cfg.login.password }),
    });
    headers.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    headers['x-csrf-token'] = ((await res.json()) as { csrfToken: string }).csrfToken;
  }
  const files = fs
    .readdirSync(cfg.sliceDir)
    .sort()
    .map((f) => fs.readFileSync(path.join(cfg.sliceDir, f)));
  // ---- STOW: batches of 10 instances, 2 requests in flight
  const batches: Buffer[][] = [];
  for (let i = 0; i < files.length; i += 10) batches.push(files.slice(i, i + 10));
  const t0 = performance.now();
  await pool(batches, 2, async (b) => {
    const { body, type } = multipart(b);
    const r = await fetch(`${cfg.root}/studies`, {
      method: 'POST',
      headers: { ...headers, 'content-type': type, accept: 'application/dicom+json' },
      body,
    });
    if (r.status !== 200)
      throw new Error(`${cfg.name} STOW answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
  });
  const stowSeconds = (performance.now() - t0) / 1000;
  const bytes = files.reduce((s, f) => s + f.length, 0);

  // ---- QIDO seed (Orthanc): tiny studies through STOW, untimed
  if (cfg.seedQido > 0) {
    const seeds = Array.from({ length: cfg.seedQido }, (_x, k) => tinyStudy(k + 1));
    const sb: Buffer[][] = [];
    for (let i = 0; i < seeds.length; i += 100) sb.push(seeds.slice(i, i + 100));
    await pool(sb, 4, async (b) => {
      const { body, type } = multipart(b);
      const r = await fetch(`${cfg.root}/studies`, {
        method: 'POST',
        headers: { ...headers, 'content-type': type, accept: 'application/dicom+json' },
        body,
      });
      if (r.status !== 200) throw new Error(`${cfg.name} seed STOW answered ${r.status}`);
    });
  }

  // ---- QIDO: sequential, latency per query
  const lat: number[] = [];
  for (const q of queries(QIDO_QUERIES)) {
    const s = performance.now();
    const r = await fetch(`${cfg.root}/studies?${q}`, {
      headers: { ...headers, accept: 'application/dicom+json' },
    });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${cfg.name} QIDO ${q} answered ${r.status}`);
    lat.push(performance.now() - s);
  }

  // ---- WADO-RS frames: frame 1 of every generated slice, 4 in flight
  const uidsOf = (f: Buffer) => {
    const t = f.toString('latin1');
    const m = [...t.matchAll(/(1\.2\.826\.0\.1\.3680043\.99\.[\d.]+)/g)].map((x) => x[1]!);
    return {
      study: m.find((u) => u.includes('.99.1.'))!,
      series: m.find((u) => u.includes('.99.2.'))!,
      sop: m.find((u) => u.includes('.99.3.'))!,
    };
  };
  const targets = files.map(uidsOf);
  const t1 = performance.now();
  await pool(targets, 4, async (u) => {
    const r = await fetch(`${cfg.root}/studies/${u.study}/series/${u.series}/instances/${u.sop}/frames/1`, {
      headers: {
        ...headers,
        accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*',
      },
    });
    const buf = await r.arrayBuffer();
    if (r.status !== 200 || buf.byteLength < 1000)
      throw new Error(`${cfg.name} frames answered ${r.status} (${buf.byteLength} bytes)`);
  });
  const frameSeconds = (performance.now() - t1) / 1000;
  return {
    name: cfg.name,
    stow: { instances: files.length, bytes, seconds: stowSeconds },
    qido: { queries: lat.length, p50: pct(lat, 50), p95: pct(lat, 95), studies: QIDO_STUDIES },
    frames: { frames: targets.length, seconds: frameSeconds },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const cfg = JSON.parse(process.argv[2]!) as ClientConfig;
  const r = await runClient(cfg);
  console.log(`RESULT ${JSON.stringify(r)}`);
  process.exit(0);
}
