/**
 * Large instances by range (`pnpm bench imaging-large`): a generated multi-frame instance of ~600 MB
 * (BENCH_LARGE_FRAMES × 512 × 512 × 16 bit, default 1200 frames) against a one-frame instance of the same
 * geometry. Prints the server's RSS (VmRSS from /proc) before and after ingest, its peak DURING each upload
 * (sampled every 20 ms; ingest streams the body to a temp part and scans it by range, so the large upload's peak
 * should stay within ~100 MB of the small one's), and after the frame requests,
 * and WADO-RS frame latency for both files, alternated (large, small, large, …), BENCH_LARGE_REPEAT times;
 * ratio large/small. Native frames are read by range through the frame index stored at ingest, so a frame of the
 * large file should cost about what a frame of the small one costs. The server runs as a child process on
 * PostgreSQL (TEST_DATABASE_URL) in a fresh schema; DATA_DIR is a temp directory removed at the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { newUid, part10, type Item } from '../../server/src/imaging/dicomwriter';
import { fromServer, SERVER_DIR, startProc } from './server-process';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const FRAMES = Number(process.env.BENCH_LARGE_FRAMES ?? 1200);
const REPEAT = Number(process.env.BENCH_LARGE_REPEAT ?? 40);
const SIDE = 512;
const FRAME_BYTES = SIDE * SIDE * 2;

/** Write a Part 10 file of `frames` 512×512 16-bit frames, streaming the pixel data (never all in memory). */
async function writeInstance(
  file: string,
  frames: number,
): Promise<{ study: string; series: string; sop: string }> {
  const uids = { study: newUid(), series: newUid(), sop: newUid() };
  const sopClass = '1.2.840.10008.5.1.4.1.1.7'; // Secondary Capture
  const ds: Item = {
    '00080016': ['UI', sopClass],
    '00080018': ['UI', uids.sop],
    '00080060': ['CS', 'OT'],
    '00100010': ['PN', 'BENCH^LARGE'],
    '00100020': ['LO', `BENCH-${frames}`],
    '0020000D': ['UI', uids.study],
    '0020000E': ['UI', uids.series],
    '00280002': ['US', 1],
    '00280004': ['CS', 'MONOCHROME2'],
    '00280008': ['IS', String(frames)],
    '00280010': ['US', SIDE],
    '00280011': ['US', SIDE],
    '00280100': ['US', 16],
    '00280101': ['US', 12],
    '00280102': ['US', 11],
    '00280103': ['US', 0],
  };
  const head = part10(ds, sopClass, uids.sop);
  const px = Buffer.alloc(12);
  px.writeUInt16LE(0x7fe0, 0);
  px.writeUInt16LE(0x0010, 2);
  px.write('OW', 4, 'latin1');
  px.writeUInt32LE(frames * FRAME_BYTES, 8);
  const out = fs.createWriteStream(file);
  const write = (b: Buffer) =>
    new Promise<void>((resolve, reject) => out.write(b, (e) => (e ? reject(e) : resolve())));
  await write(Buffer.concat([head, px]));
  const frame = Buffer.alloc(FRAME_BYTES);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < SIDE * SIDE; i++) frame.writeUInt16LE((i + f * 7) & 0x0fff, i * 2);
    await write(frame);
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return uids;
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-bench-large-'));
  const schema = `bench_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const dataDir = path.join(dir, 'data');
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
    },
    SERVER_DIR,
  );
  const pid = server.proc.pid!;
  try {
    const large = path.join(dir, 'large.dcm');
    const small = path.join(dir, 'small.dcm');
    const t0 = Date.now();
    const L = await writeInstance(large, FRAMES);
    const S = await writeInstance(small, 1);
    const mb = fs.statSync(large).size / 1048576;
    console.log(
      `generated ${mb.toFixed(0)} MB (${FRAMES} frames) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: 'Demo-2026-consult' }),
    });
    const cookie = /(consult_sid=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const headers = { cookie, 'x-csrf-token': csrfToken };

    const rssStart = rssMb(pid);
    for (const [name, file] of [
      ['large', large],
      ['small', small],
    ] as const) {
      const t = Date.now();
      const before = rssMb(pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
      const res = await fetch(`${server.url}/api/imaging/instances`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/dicom' },
        body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      clearInterval(sampler);
      if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
      console.log(
        `ingest ${name}: ${((Date.now() - t) / 1000).toFixed(2)} s, server RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB during the upload (+${(peak - before).toFixed(0)} MB), ${rssMb(pid).toFixed(0)} MB after`,
      );
    }
    const rssAfterIngest = rssMb(pid);

    const frameUrl = (u: typeof L, n: number) =>
      `${server.url}/dicomweb/studies/${u.study}/series/${u.series}/instances/${u.sop}/frames/${n}`;
    const times = { large: [] as number[], small: [] as number[] };
    let rssPeak = 0;
    for (let k = 0; k < REPEAT; k++) {
      for (const [name, u, n] of [
        ['large', L, 1 + ((k * 997) % FRAMES)],
        ['small', S, 1],
      ] as const) {
        const t = performance.now();
        const res = await fetch(frameUrl(u, n), { headers });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200 || body.length < FRAME_BYTES) throw new Error(`frame ${name}: ${res.status}`);
        times[name].push(performance.now() - t);
        rssPeak = Math.max(rssPeak, rssMb(pid));
      }
    }
    console.log(
      `frame latency (ms, ${REPEAT} alternated requests each): large median ${median(times.large).toFixed(1)} p95 ${p95(times.large).toFixed(1)}; small median ${median(times.small).toFixed(1)} p95 ${p95(times.small).toFixed(1)}; ratio large/small ${(median(times.large) / median(times.small)).toFixed(2)}`,
    );
    console.log(
      `server RSS (MB): start ${rssStart.toFixed(0)}, after ingest ${rssAfterIngest.toFixed(0)}, peak during frames ${rssPeak.toFixed(0)} (+${(rssPeak - rssAfterIngest).toFixed(0)} over a ${mb.toFixed(0)} MB instance)`,
    );
  } finally {
    await server.stop();
    const pg = fromServer('pg') as {
      Client: new (o: { connectionString: string }) => {
        connect(): Promise<void>;
        query(q: string): Promise<unknown>;
        end(): Promise<void>;
      };
    };
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
