/**
 * Workload client of tests/bench/orthanc.bench.ts and ingest-scale.bench.ts (not a benchmark itself): one session's
 * STOW-RS / WADO-RS work against one DICOMweb server, printed as `RESULT <json>`. A separate process so that, for
 * Orthanc, it runs inside Orthanc's loopback-only network namespace (`ip netns exec`), and so that the client's CPU
 * is never the server's. The benches start it with runJob:
 *   node --import tsx tests/bench/orthanc.client.ts <job.json>
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tinyStudy } from '../../server/src/imaging/benchdata';
import { runWorkloadClient } from './server-process';

export interface Job {
  name: string;
  /** DICOMweb root, e.g. http://127.0.0.1:3000/dicomweb */
  root: string;
  readyUrl: string;
  login?: { url: string; username: string; password: string };
  /** STOW requests: each one study's files (paths); sent by `clients` concurrent clients. */
  studies: string[][];
  clients: number;
  /** Tiny one-instance studies, one per request, sent by `clients` clients (after `studies`). */
  smallStudies: number;
  /** WADO-RS frame paths (`studies/…/frames/n`) fetched `framePasses` times, 4 in flight. */
  frames: string[];
  framePasses: number;
}

export interface JobResult {
  name: string;
  stow: { instances: number; bytes: number; seconds: number; accepted: string[] };
  small: { studies: number; seconds: number };
  /** Frames per second of each pass; which frame paths answered 200 with data. */
  frames: { perSecond: number[]; ok: string[] };
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

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** SOP Instance UIDs a STOW-RS response lists as stored (ReferencedSOPSequence → ReferencedSOPInstanceUID). */
function storedUids(json: unknown): string[] {
  const seq = (json as Record<string, { Value?: Record<string, { Value?: string[] }>[] }>)?.['00081199']
    ?.Value;
  return (seq ?? []).map((item) => item['00081155']?.Value?.[0]).filter((u): u is string => !!u);
}

async function run(job: Job): Promise<JobResult> {
  const headers: Record<string, string> = {};
  const deadline = Date.now() + 300_000;
  for (;;) {
    const status = await fetch(job.readyUrl).then(
      (r) => r.status,
      () => 0,
    );
    if (status > 0 && status < 500) break;
    if (Date.now() > deadline) throw new Error(`${job.name} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (job.login) {
    const res = await fetch(job.login.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: job.login.username, password: job.login.password }),
    });
    headers.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    headers['x-csrf-token'] = ((await res.json()) as { csrfToken: string }).csrfToken;
  }
  const stow = async (files: Buffer[]): Promise<string[]> => {
    const { body, type } = multipart(files);
    const r = await fetch(`${job.root}/studies`, {
      method: 'POST',
      headers: { ...headers, 'content-type': type, accept: 'application/dicom+json' },
      body,
    });
    const text = await r.text();
    if (r.status >= 500) throw new Error(`${job.name} STOW answered ${r.status}: ${text.slice(0, 300)}`);
    try {
      return storedUids(JSON.parse(text));
    } catch {
      return [];
    }
  };

  // ---- corpus ingest: the files are read before the clock starts
  const studies = job.studies.map((s) => s.map((p) => fs.readFileSync(p)));
  const accepted: string[] = [];
  const t0 = performance.now();
  await pool(studies, job.clients, async (files) => void accepted.push(...(await stow(files))));
  const stowSeconds = (performance.now() - t0) / 1000;

  // ---- many small studies
  const tiny = Array.from({ length: job.smallStudies }, (_x, k) => tinyStudy(k + 1));
  const t1 = performance.now();
  await pool(tiny, job.clients, async (f) => {
    if ((await stow([f])).length !== 1) throw new Error(`${job.name} refused a tiny study`);
  });
  const smallSeconds = (performance.now() - t1) / 1000;

  // ---- WADO-RS frames, as stored (transfer-syntax=*)
  const ok = new Set<string>();
  const perSecond: number[] = [];
  for (let pass = 0; pass < job.framePasses && job.frames.length; pass++) {
    let n = 0;
    const t2 = performance.now();
    await pool(job.frames, 4, async (f) => {
      const get = async () => {
        const r = await fetch(`${job.root}/${f}`, {
          headers: {
            ...headers,
            accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*',
          },
        });
        return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
      };
      // A GET on a kept-alive connection the server closed meanwhile ("other side closed") is sent again once,
      // as HTTP clients do for idempotent requests; a second failure counts as a frame not served.
      const r = await get().catch(() => get().catch(() => ({ status: 0, bytes: 0 })));
      if (r.status === 200 && r.bytes > 0) {
        ok.add(f);
        n++;
      }
    });
    perSecond.push(n / ((performance.now() - t2) / 1000));
  }
  return {
    name: job.name,
    stow: {
      instances: studies.reduce((s, x) => s + x.length, 0),
      bytes: studies.flat().reduce((s, f) => s + f.length, 0),
      seconds: stowSeconds,
      accepted,
    },
    small: { studies: job.smallStudies, seconds: smallSeconds },
    frames: { perSecond, ok: [...ok] },
  };
}

/** Run `job` in a client process of its own (inside network namespace `netns` when given); its job file goes in `dir`. */
export function runJob(job: Job, dir: string, netns: string | null = null): Promise<JobResult> {
  const jobFile = path.join(dir, `job-${crypto.randomUUID()}.json`);
  fs.writeFileSync(jobFile, JSON.stringify(job));
  return runWorkloadClient<JobResult>(import.meta.filename, jobFile, job.name, netns);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const job = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as Job;
  console.log(`RESULT ${JSON.stringify(await run(job))}`);
  process.exit(0);
}
