/**
 * Ward-round join benchmark (`pnpm bench rounds`; the SFU's consumers per worker: rounds-consumers.bench.ts).
 *
 * Join → first remote frame: a county doctor opens the room of a live round (the host already sends camera
 * video) in headless Chromium with a fake camera; time from navigation start until the host's tile <video> hands
 * its first frame to the compositor (requestVideoFrameCallback's presentationTime: what the doctor sees, whatever
 * the page's main thread is busy with). Baseline in the same run and browser: two RTCPeerConnections in one page
 * connected directly (no server, no signalling), time from createOffer to the first frame's presentationTime,
 * measured the same way, in a page of its own. Each measured page is the foreground tab when it is measured
 * (a background tab stops presenting frames). Alternated (join, direct, join, ...) after one untimed warm-up join;
 * every other join is a first join (the router capabilities remembered from an earlier join forgotten, so `ready`
 * waits for the join's answer), the others send `ready` right behind the join (client/src/features/rounds/device.ts).
 * Printed: medians and [min–max] of both kinds and of the baseline, ratio = ours / baseline for each kind, each
 * step of a join (the page's `round:*` performance marks: RoomClient.ts, earlyJoin.ts, transports.ts,
 * RemoteMedia.ts) as ms since navigation, and the tile's inbound video stats at its first frame.
 *
 * Runs from server/ (tests/bench/run-all.mjs). Needs the built client and server (infra/build.mjs, run here; it
 * rebuilds only what is stale), the mediasoup worker (MEDIASOUP_WORKER_BIN or the infra/mediasoup-worker.sh cache)
 * and /usr/bin/chromium. BENCH_JOINS (default 8) joins are timed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, SERVER_DIR, START_ARGS, startProc, type Proc } from './server-process';
import { CAPTURE_PEER_CONNECTIONS, firstFrameHook, P2P_FIRST_FRAME } from './rounds.page';

const JOINS = Number(process.env.BENCH_JOINS ?? 8);
const PASSWORD = 'Demo-2026-consult';
const fromTests = createRequire(path.join(ROOT, 'tests/package.json'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const { loadConfig } = await import(path.join(SERVER_DIR, 'src/config.ts'));
const sfuConfig = loadConfig({}).sfu;
if (!sfuConfig.workerBin) {
  console.error('no mediasoup worker binary: run infra/mediasoup-worker.sh or set MEDIASOUP_WORKER_BIN');
  process.exit(1);
}

async function startServer(): Promise<Proc & { dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-bench-'));
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SEED_DEMO_CASES: 'false',
    SFU_LISTEN_IP: '127.0.0.1',
  };
  // The built server (what `pnpm start` runs): it starts in seconds even on a loaded machine.
  return { ...(await startProc(START_ARGS, env, SERVER_DIR, 300_000)), dataDir };
}

async function joinBench(): Promise<{ ours: { first: number[]; remembered: number[] }; baseline: number[] }> {
  // Client and server bundles, rebuilt only when stale.
  const built = spawnSync(process.execPath, ['infra/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('infra/build.mjs failed');
  const { chromium } = fromTests('playwright-core') as typeof import('playwright-core');
  const srv = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  try {
    const login = async (username: string) => {
      const ctx = await browser.newContext({ permissions: ['camera', 'microphone'] });
      const res = await ctx.request.post(`${srv.url}/api/auth/login`, {
        data: { username, password: PASSWORD },
      });
      const me = (await res.json()) as { id: string; csrfToken: string };
      return { ctx, page: await ctx.newPage(), id: me.id, csrf: me.csrfToken };
    };
    const host = await login('pku.cardio');
    const guest = await login('lankao.doctor');
    const created = await host.ctx.request.post(`${srv.url}/api/rounds`, {
      headers: { 'x-csrf-token': host.csrf },
      data: {
        title: 'bench',
        kind: 'ward_round',
        scheduledAt: new Date().toISOString(),
        inviteeIds: [guest.id],
        agenda: [],
      },
    });
    const roundId = ((await created.json()) as { id: string }).id;
    await host.page.goto(`${srv.url}/rounds/${roundId}/room`);
    await host.page
      .waitForSelector('[data-testid=round-room][data-status=joined]', { timeout: 30_000 })
      .catch(async (e) => {
        console.error(await host.page.locator('body').textContent());
        throw e;
      });

    const ours = { first: [] as number[], remembered: [] as number[] };
    const baseline: number[] = [];
    const steps: Record<string, number>[] = [];
    // Its peer connections (the inbound stats at the first frame) and the host tile's first presented frame.
    await guest.page.addInitScript(CAPTURE_PEER_CONNECTIONS);
    await guest.page.addInitScript(firstFrameHook(host.id));
    const waits: string[] = [];

    // Each measured page is the browser's foreground tab, as the doctor's would be: headless Chromium shows one
    // tab per window, and a page left behind a newer one stops presenting frames (its compositor frames go
    // undrawn), which once added ~0.6 s to every join. The baseline gets a page of its own, closed after each run.
    const directConnection = async () => {
      const p2p = await guest.ctx.newPage();
      try {
        await p2p.goto(`${srv.url}/api/health`);
        return (await p2p.evaluate(P2P_FIRST_FRAME)) as number;
      } finally {
        await p2p.close();
      }
    };
    const leaveRoom = async () => {
      await guest.page.goto(`${srv.url}/rounds/${roundId}`);
      await guest.page.waitForSelector('[data-testid=round-join]');
    };
    // Alternated: one join, then one direct connection, JOINS times (after one untimed warm-up join, which
    // fills the page cache and starts the workers' routers). Every other join is a first join: the router
    // capabilities an earlier join remembered are forgotten before it (client/src/features/rounds/device.ts),
    // so it sends `ready` only after the join's answer; the others send it right behind the join.
    for (let i = 0; i < JOINS + 1; i++) {
      await leaveRoom();
      const first = i % 2 === 1;
      if (first)
        await guest.page.evaluate(() => localStorage.removeItem('consult:round:routerRtpCapabilities'));
      await guest.page.bringToFront();
      await guest.page.goto(`${srv.url}/rounds/${roundId}/room`);
      const firstFrame = await guest.page.waitForFunction(
        () => (window as { __firstFrame?: number }).__firstFrame,
        null,
        {
          polling: 'raf',
          timeout: 30_000,
        },
      );
      const at = (await firstFrame.jsonValue()) as number;
      // Each step of the join as the page saw it, in ms since the navigation started.
      const marks = await guest.page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        const out: Record<string, number> = {
          'html received': nav?.responseEnd ?? 0,
          DOMContentLoaded: nav?.domContentLoadedEventEnd ?? 0,
        };
        for (const m of performance.getEntriesByType('mark'))
          if (m.name.startsWith('round:')) out[m.name.slice('round:'.length)] = m.startTime;
        return out;
      });
      const inbound = await guest.page.evaluate(async () => {
        const out: string[] = [];
        for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs)
          (await pc.getStats()).forEach((r: Record<string, unknown>) => {
            if (r.type === 'inbound-rtp' && r.kind === 'video')
              out.push(
                `${r.packetsReceived}p ${r.framesReceived}f ${r.keyFramesDecoded}k pli=${r.pliCount} fir=${r.firCount}`,
              );
          });
        return out.join(', ');
      });
      if (i === 0) continue;
      waits.push(inbound);
      (first ? ours.first : ours.remembered).push(at); // since navigation start, as the page saw it
      steps.push({ ...marks, 'first remote frame': at });
      await leaveRoom();
      baseline.push(await directConnection());
    }
    const rows = [...new Set(steps.flatMap((x) => Object.keys(x)))]
      .map((name) => {
        const xs = steps.map((x) => x[name]).filter((x): x is number => x !== undefined);
        return { name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
      })
      .sort((a, b) => a.median - b.median);
    console.log('  steps of a join, ms since navigation start (median [min–max], n):');
    for (const r of rows)
      console.log(
        `    ${r.name.padEnd(20)} ${String(Math.round(r.median)).padStart(5)}  [${Math.round(r.min)}–${Math.round(r.max)}]  n=${r.n}`,
      );
    console.log(`  the tile's inbound video at its first frame: ${waits.join(' | ')}`);
    return { ours, baseline };
  } finally {
    await browser.close();
    srv.proc.kill('SIGTERM');
    await new Promise((r) => srv.proc.once('exit', r));
    fs.rmSync(srv.dataDir, { recursive: true, force: true });
  }
}

console.log('\n[1] join → first remote frame decoded (Chromium, fake camera, 127.0.0.1)');
const join = await joinBench();
const base = median(join.baseline);
console.log(
  `  baseline (direct RTCPeerConnection loopback, ${join.baseline.length} runs): median ${Math.round(base)} ms  [${join.baseline.map(Math.round).join(', ')}]`,
);
for (const [name, xs] of [
  ['remembered router capabilities (a doctor who joined before)', join.ours.remembered],
  ['first join (ready after the join answer)', join.ours.first],
] as const) {
  const ours = median(xs);
  console.log(
    `  ours, ${name}, ${xs.length} joins: median ${Math.round(ours)} ms  [${xs.map(Math.round).join(', ')}]`,
  );
  console.log(`    ratio ours / baseline: ${(ours / base).toFixed(2)}`);
}

process.exit(0);
