/**
 * A round across two nodes, with real processes: two server nodes, each in its own network namespace, sharing a
 * private Redis and a private PostgreSQL reached over the namespaces' links; two Chromium browsers in the root
 * namespace behind a failover proxy (a load balancer's part), each preferring a different node. The host's
 * browser lands on node A and joins first, so A owns the round (its lease); the guest's browser lands on node B,
 * whose signalling is routed to A while its media goes to A's address. Then node A is killed with SIGKILL: both
 * browsers must be back in the round, on node B, with video decoded both ways, within 5 s.
 *
 * Runs as root (ip netns). Everything created here is removed in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  apiCall,
  apiLogin,
  CHROMIUM,
  CHROMIUM_ARGS,
  consoleTail,
  login,
  recordConsole,
  REPO_ROOT,
  screenshotsOnFailure,
  type ApiUser,
} from './harness';
import { FailoverProxy } from './cluster/FailoverProxy';
import { createMachines, removeMachines, type Machine } from './cluster/netns';
import { startPostgres, startRedis, type Service } from './cluster/services';
import { START_ARGS, START_ENV } from '../server-process';

screenshotsOnFailure();

const NODE_PORT = 3000;
const FAILOVER_BUDGET_MS = 5000;

interface Node {
  name: string;
  url: string;
  proc: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The built server (`node dist/main.mjs`, as `pnpm start` runs it) in the machine's namespace, at its address. */
async function startNode(name: string, m: Machine, env: Record<string, string>): Promise<Node> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `consult-node-${name}-`));
  const proc = spawn('ip', ['netns', 'exec', m.ns, process.execPath, ...START_ARGS], {
    cwd: path.join(REPO_ROOT, 'server'),
    env: {
      ...process.env,
      ...START_ENV,
      PORT: String(NODE_PORT),
      HOST: m.ip,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SEED_DEMO_CASES: 'false',
      SFU_WORKERS: '1',
      SFU_LISTEN_IP: m.ip,
      DATABASE_URL: `postgres://postgres@${m.rootIp}:5440/postgres`,
      REDIS_URL: `redis://${m.rootIp}:6390`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${name} did not start:\n${out}`)), 120_000);
    const check = () => {
      if (!/listening on http/.test(out)) return;
      clearTimeout(timer);
      resolve();
    };
    proc.stdout!.on('data', check);
    proc.stderr!.on('data', check);
    proc.once('exit', () => reject(new Error(`node ${name} exited:\n${out}`)));
  });
  return {
    name,
    url: `http://${m.ip}:${NODE_PORT}`,
    proc,
    output: () => out,
    kill: async (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.kill(signal);
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Keep every RTCPeerConnection the page creates, so the test reads getStats() itself. */
const CAPTURE_PEER_CONNECTIONS = () => {
  const Native = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

/** Video frames decoded by the page's open peer connections (inbound-rtp, kind video). */
const framesDecoded = (page: Page) =>
  page.evaluate(async () => {
    let n = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded ?? 0;
      });
    }
    return n;
  });

const tileTrack = (page: Page, testId: string) =>
  page.evaluate(
    (id) =>
      (document.querySelector(`[data-testid="${id}"] video`) as HTMLVideoElement | null)?.srcObject instanceof
      MediaStream
        ? ((
            (document.querySelector(`[data-testid="${id}"] video`) as HTMLVideoElement)
              .srcObject as MediaStream
          ).getVideoTracks()[0]?.id ?? null)
        : null,
    testId,
  );

/** Resolves when the tile plays a video track other than `old` (a frame was decoded and shown). */
const newVideoPlaying = (page: Page, testId: string, old: string | null) =>
  page.waitForFunction(
    ([id, before]) => {
      const v = document.querySelector(`[data-testid="${id}"] video`) as HTMLVideoElement | null;
      const t = v?.srcObject instanceof MediaStream ? v.srcObject.getVideoTracks()[0] : undefined;
      return (
        !!v && !!t && t.id !== before && t.readyState === 'live' && v.videoWidth > 0 && v.currentTime > 0
      );
    },
    [testId, old] as const,
    { polling: 50, timeout: 30_000 },
  );

/** The room's error text, if it shows one (for a failure message). */
const roomError = async (page: Page) =>
  (
    await page
      .locator('[data-testid=room-error]')
      .allTextContents()
      .catch(() => [])
  ).join(' | ');
const status = (page: Page) => page.locator('[data-testid=round-room]').getAttribute('data-status');

/** What a browser's round looks like from inside: its room, its peer connections, its console. */
const diagnose = async (page: Page): Promise<string> => {
  const inside = await page
    .evaluate(async () => {
      const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
      const out: string[] = [];
      for (const pc of pcs) {
        const inbound: string[] = [];
        if (pc.connectionState !== 'closed')
          (await pc.getStats()).forEach(
            (r: { type: string; kind?: string; packetsReceived?: number; framesDecoded?: number }) => {
              if (r.type === 'inbound-rtp')
                inbound.push(`${r.kind}:${r.packetsReceived ?? 0}p/${r.framesDecoded ?? '-'}f`);
            },
          );
        out.push(
          `pc ${pc.connectionState} ${pc.getTransceivers().length} transceivers [${inbound.join(' ')}]`,
        );
      }
      const room = document.querySelector('[data-testid=round-room]');
      return `${room?.outerHTML.slice(0, 300)}\n  ${out.join('\n  ')}`;
    })
    .catch((e: Error) => `(page unreadable: ${e.message})`);
  return `${inside}\n  console:\n    ${consoleTail(page)}`;
};

describe('a round across two nodes in two network namespaces', () => {
  let machines: Machine[] = [];
  let redis: Service | undefined;
  let pg: Service | undefined;
  let proxy: FailoverProxy | undefined;
  const nodes: Node[] = [];
  const browsers: Browser[] = [];
  let publicUrl: string;
  let host: ApiUser;
  let guest: ApiUser;
  let roundId: string;
  let hostPage: Page;
  let guestPage: Page;

  beforeAll(async () => {
    machines = createMachines();
    const [a, b] = machines as [Machine, Machine];
    redis = await startRedis([a.rootIp, b.rootIp]);
    pg = await startPostgres([a.rootIp, b.rootIp], `${a.rootIp.split('.').slice(0, 3).join('.')}.0/24`);
    proxy = new FailoverProxy([
      { name: 'a', host: a.ip, port: NODE_PORT },
      { name: 'b', host: b.ip, port: NODE_PORT },
    ]);
    await proxy.listen('127.0.0.1');
    publicUrl = `http://127.0.0.1:${proxy.port}`;
    // One after the other: the first start migrates and seeds the shared database.
    nodes.push(await startNode('a', a, { PUBLIC_URL: publicUrl }));
    nodes.push(await startNode('b', b, { PUBLIC_URL: publicUrl }));
    host = await apiLogin(nodes[0]!.url, 'pku.cardio');
    guest = await apiLogin(nodes[1]!.url, 'lankao.doctor');
    const res = await apiCall(nodes[0]!.url, host, 'POST', '/api/rounds', {
      title: '跨节点查房 Round across nodes',
      kind: 'teaching',
      scheduledAt: new Date().toISOString(),
      inviteeIds: [guest.id],
      agenda: [{ title: 'Failover' }],
    });
    expect(res.status).toBe(201);
    roundId = res.json.id;
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(browsers.map((b) => b.close()));
    await Promise.allSettled(nodes.map((n) => n.kill('SIGTERM')));
    await proxy?.close();
    await redis?.stop();
    await pg?.stop().catch(() => undefined);
    removeMachines(machines);
  }, 120_000);

  /** A browser of its own, whose connections the proxy sends to `node` while it lives. */
  const openBrowser = async (node: 'a' | 'b', user: string, locale: string): Promise<Page> => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    browsers.push(browser);
    const context = await browser.newContext({
      locale,
      viewport: { width: 1366, height: 768 },
      permissions: ['camera', 'microphone'],
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) Chrome/156 consult-node=${node}`,
    });
    const page = await context.newPage();
    recordConsole(page);
    await page.addInitScript(CAPTURE_PEER_CONNECTIONS);
    await login(page, publicUrl, user);
    return page;
  };
  const sfuRooms = async (node: Node) => {
    const admin = await apiLogin(node.url, 'sysadmin');
    return (await apiCall(node.url, admin, 'GET', '/api/sfu/stats')).json.rooms as {
      roundId: string;
      peers: string[];
    }[];
  };

  it('participants on different nodes see and hear each other, chat, and follow the presenter', async () => {
    hostPage = await openBrowser('a', 'pku.cardio', 'en-US');
    await hostPage.goto(`${publicUrl}/rounds/${roundId}/room`);
    await expect
      .poll(() => status(hostPage), { timeout: 30_000 })
      .toBe('joined')
      .catch(async (e: Error) => {
        throw new Error(
          `the host did not join: ${await roomError(hostPage)}\n${nodes[0]!.output().slice(-3000)}`,
          {
            cause: e,
          },
        );
      });
    guestPage = await openBrowser('b', 'lankao.doctor', 'zh-CN');
    await guestPage.goto(`${publicUrl}/rounds/${roundId}/room`);

    for (const [who, page] of [
      ['host', hostPage],
      ['guest', guestPage],
    ] as const)
      await expect
        .poll(() => framesDecoded(page), { timeout: 40_000 })
        .toBeGreaterThan(0)
        .catch(async (e: Error) => {
          throw new Error(
            `the ${who} decodes no video:\nhost: ${await diagnose(hostPage)}\nguest: ${await diagnose(guestPage)}` +
              `\nnode a:\n${nodes[0]!.output().slice(-3000)}\nnode b:\n${nodes[1]!.output().slice(-3000)}`,
            { cause: e },
          );
        });
    // Node A owns the round: both peers are in its room, node B has none (it routes the guest's signalling).
    expect((await sfuRooms(nodes[0]!)).find((r) => r.roundId === roundId)?.peers.sort()).toEqual(
      [host.id, guest.id].sort(),
    );
    expect(await sfuRooms(nodes[1]!)).toEqual([]);
    expect(proxy!.connections).toMatchObject({ a: expect.any(Number), b: expect.any(Number) });

    await guestPage.locator('[data-testid=chat-input]').fill('兰考：心电图已上传');
    await guestPage.locator('[data-testid=chat-input]').press('Enter');
    await expect
      .poll(() => hostPage.locator('[data-testid=round-chat]').textContent(), { timeout: 10_000 })
      .toContain('心电图已上传');

    // The synchronized viewer: the guest (node B) presents, the host (node A) follows.
    await guestPage.locator('[data-testid="sync-panel"][data-status="ready"]').waitFor({ timeout: 30_000 });
    await hostPage.locator('[data-testid="sync-panel"][data-status="ready"]').waitFor({ timeout: 30_000 });
    await guestPage.locator('[data-testid="sync-take"]').click();
    await expect
      .poll(() => hostPage.locator('[data-testid="sync-presenter"]').getAttribute('data-presenter-id'), {
        timeout: 10_000,
      })
      .toBe(guest.id);
  }, 180_000);

  it('the owner node is killed: both browsers are back in the round on the survivor, with video, within 5 s', async () => {
    const oldHostView = await tileTrack(hostPage, `tile-${guest.id}`);
    const oldGuestView = await tileTrack(guestPage, `tile-${host.id}`);
    expect(oldHostView).not.toBeNull();
    expect(oldGuestView).not.toBeNull();

    for (const page of [hostPage, guestPage])
      await page.evaluate(() => {
        const log: [string, number][] = [];
        (window as unknown as { __statusLog: typeof log }).__statusLog = log;
        const room = document.querySelector('[data-testid=round-room]')!;
        new MutationObserver(() => log.push([room.getAttribute('data-status') ?? '', Date.now()])).observe(
          room,
          {
            attributes: true,
            attributeFilter: ['data-status'],
          },
        );
      });
    const killedAt = Date.now();
    await nodes[0]!.kill('SIGKILL');
    const timeline = async (page: Page) =>
      (await page.evaluate(() => (window as unknown as { __statusLog: [string, number][] }).__statusLog))
        .map(([st, at]) => `${st}@${at - killedAt}`)
        .concat(
          Object.entries(
            (await page.evaluate(
              () => (window as unknown as { __probe?: Record<string, number> }).__probe,
            )) ?? {},
          ).map(([k, at]) => `${k}@${at - killedAt}`),
        )
        .join(' ');
    let back: number[];
    try {
      back = await Promise.all([
        newVideoPlaying(hostPage, `tile-${guest.id}`, oldHostView).then(() => Date.now() - killedAt),
        newVideoPlaying(guestPage, `tile-${host.id}`, oldGuestView).then(() => Date.now() - killedAt),
      ]);
    } catch (e) {
      // What each browser went through and what the survivor said: a stuck failover is diagnosed from this.
      throw new Error(
        `${(e as Error).message}\nhost: ${await timeline(hostPage)}\n  ${await diagnose(hostPage)}` +
          `\nguest: ${await timeline(guestPage)}\n  ${await diagnose(guestPage)}` +
          `\nnode b:\n${nodes[1]!.output().slice(-4000)}`,
        { cause: e },
      );
    }
    console.log(
      `failover: host's browser back with video after ${back[0]} ms (${await timeline(hostPage)}), ` +
        `guest's after ${back[1]} ms (${await timeline(guestPage)})`,
    );
    expect(Math.max(...back)).toBeLessThan(FAILOVER_BUDGET_MS);

    // Both went through the visible "rejoining" state, are joined again, and decode video (getStats).
    for (const page of [hostPage, guestPage]) {
      expect(
        Number(await page.locator('[data-testid=round-room]').getAttribute('data-rejoins')),
      ).toBeGreaterThan(0);
      expect(await status(page)).toBe('joined');
      await expect.poll(() => framesDecoded(page), { timeout: 10_000 }).toBeGreaterThan(0);
    }
    expect((await sfuRooms(nodes[1]!)).find((r) => r.roundId === roundId)?.peers.sort()).toEqual(
      [host.id, guest.id].sort(),
    );

    // The chat and the synchronized viewer followed the round.
    expect(await hostPage.locator('[data-testid=round-chat]').textContent()).toContain('心电图已上传');
    await expect
      .poll(() => hostPage.locator('[data-testid="sync-presenter"]').getAttribute('data-presenter-id'), {
        timeout: 10_000,
      })
      .toBe(guest.id);
    await hostPage.locator('[data-testid=chat-input]').fill('PKU: received after failover');
    await hostPage.locator('[data-testid=chat-input]').press('Enter');
    await expect
      .poll(() => guestPage.locator('[data-testid=round-chat]').textContent(), { timeout: 10_000 })
      .toContain('received after failover');
  }, 120_000);
});
