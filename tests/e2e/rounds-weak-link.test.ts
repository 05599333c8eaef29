/**
 * A video ward round over a REAL weak county link. The county doctor's Chromium runs in its own network
 * namespace, joined to the root namespace by a veth pair; the specialist's Chromium stays in the root
 * namespace. The server (HTTP, socket and the SFU's RTC ports) listens on the root end of the veth, so every
 * byte the county doctor sends or receives crosses that link, and `tc` shapes it (tbf on both ends). Nothing
 * leaves this machine: only the namespace created here and its private /30.
 *
 * Runs as root (ip netns, tc). The netns name carries this process's pid; leftovers of killed runs (pid gone)
 * are deleted first, and everything created here is removed in afterAll.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  apiCall,
  apiLogin,
  CHROMIUM,
  CHROMIUM_ARGS,
  login,
  newPage,
  screenshotsOnFailure,
  startApp,
  type ApiUser,
  type AppProcess,
} from './harness';

screenshotsOnFailure();

// ---- the county link: a namespace and a veth pair ------------------------------------------------------------
const PREFIX = 'cwl';
const NS = `${PREFIX}-${process.pid}`;
// Interface names stay within 15 characters: a pid has at most 7 digits.
const VETH_ROOT = `${PREFIX}${process.pid}r`;
const VETH_NS = `${PREFIX}${process.pid}n`;
const SUBNET = `10.213.${process.pid % 250}`;
const ROOT_IP = `${SUBNET}.1`;
const COUNTY_IP = `${SUBNET}.2`;

const run = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();
const runIn = (...args: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...args], { stdio: 'pipe' });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Delete namespaces (and their veth pairs) left by killed runs of this file; a live run's are left alone. */
function removeStale(): void {
  for (const line of run('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}-(\\d+)$`).exec(name);
    if (m && (Number(m[1]) === process.pid || !alive(Number(m[1])))) run('netns', 'del', name);
  }
  for (const line of run('-o', 'link', 'show').split('\n')) {
    const m = new RegExp(`^\\d+: (${PREFIX}(\\d+)r)[@:]`).exec(line);
    if (m && (Number(m[2]) === process.pid || !alive(Number(m[2])))) run('link', 'del', m[1]!);
  }
}

function createLink(): void {
  removeStale();
  run('netns', 'add', NS);
  run('link', 'add', VETH_ROOT, 'type', 'veth', 'peer', 'name', VETH_NS);
  run('link', 'set', VETH_NS, 'netns', NS);
  run('addr', 'add', `${ROOT_IP}/30`, 'dev', VETH_ROOT);
  run('link', 'set', VETH_ROOT, 'up');
  run('-n', NS, 'addr', 'add', `${COUNTY_IP}/30`, 'dev', VETH_NS);
  run('-n', NS, 'link', 'set', 'lo', 'up');
  run('-n', NS, 'link', 'set', VETH_NS, 'up');
}

/** Shape both directions of the county link (tbf: a token bucket, packets beyond its queue are dropped). */
function throttle(rate: string): void {
  const tbf = ['root', 'tbf', 'rate', rate, 'burst', '3kb', 'latency', '250ms'];
  execFileSync('tc', ['qdisc', 'replace', 'dev', VETH_ROOT, ...tbf]);
  runIn('tc', 'qdisc', 'replace', 'dev', VETH_NS, ...tbf);
}
function unthrottle(): void {
  execFileSync('tc', ['qdisc', 'del', 'dev', VETH_ROOT, 'root']);
  runIn('tc', 'qdisc', 'del', 'dev', VETH_NS, 'root');
}
const setCountyLink = (state: 'up' | 'down') => run('-n', NS, 'link', 'set', VETH_NS, state);

/** A free TCP port on the root end of the veth (so PUBLIC_URL can name it before the server starts). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, ROOT_IP, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

// ---- what the browsers see -----------------------------------------------------------------------------------
/** Keep every RTCPeerConnection the page creates, so the test reads the same getStats() the client does. */
const CAPTURE_PEER_CONNECTIONS = () => {
  const Native = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  };
};

/** Packets received and lost, frames decoded over the page's open peer connections (inbound-rtp of one kind). */
const inbound = (page: Page, kind: 'audio' | 'video') =>
  page.evaluate(async (kind) => {
    let packets = 0;
    let lost = 0;
    let frames = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach(
        (s: {
          type: string;
          kind?: string;
          packetsReceived?: number;
          packetsLost?: number;
          framesDecoded?: number;
        }) => {
          if (s.type !== 'inbound-rtp' || s.kind !== kind) return;
          packets += s.packetsReceived ?? 0;
          lost += s.packetsLost ?? 0;
          frames += s.framesDecoded ?? 0;
        },
      );
    }
    return { packets, lost, frames };
  }, kind);

/** Frames decoded on a remote tile, as the room shows it (data-frames-decoded). */
const tileFrames = (page: Page, testId: string) =>
  page
    .locator(`[data-testid="${testId}"]`)
    .getAttribute('data-frames-decoded', { timeout: 1000 })
    .then(Number)
    .catch(() => 0);

const roomAttr = (page: Page, name: string) =>
  page
    .locator('[data-testid=round-room]')
    .getAttribute(name, { timeout: 1000 })
    .catch(() => null);

/** The page's inbound video as WebRTC reports it (what a failure message needs to tell "not sent" from "not decoded"). */
const inboundVideo = (page: Page) =>
  page.evaluate(async () => {
    const out: Record<string, unknown>[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        const { packetsReceived, packetsLost, framesReceived, framesDecoded, keyFramesDecoded, pliCount } = s;
        out.push({ packetsReceived, packetsLost, framesReceived, framesDecoded, keyFramesDecoded, pliCount });
      });
    }
    return out;
  });

/** Poll until `read()` exceeds its value at the time of the call by more than `by`. */
async function grows(
  read: () => Promise<number>,
  by: number,
  timeout = 40_000,
  explain?: () => Promise<unknown>,
): Promise<void> {
  const start = await read();
  try {
    await expect.poll(read, { timeout, interval: 500 }).toBeGreaterThan(start + by);
  } catch (e) {
    if (explain) (e as Error).message += `\n${JSON.stringify(await explain().catch((x) => String(x)))}`;
    throw e;
  }
}

// ---- the round -----------------------------------------------------------------------------------------------
describe('video ward round over a real weak county link', () => {
  let app: AppProcess;
  let hostBrowser: Browser;
  let countyBrowser: Browser;
  let wrapperDir: string;
  let host: ApiUser;
  let county: ApiUser;
  let admin: ApiUser;
  let hostPage: Page;
  let countyPage: Page;
  let roundId: string;

  /** Each doctor's tile of the other decodes 20 more frames (a failure prints that page's inbound video). */
  const bothDecode = async () => {
    for (const [page, other] of [
      [hostPage, county],
      [countyPage, host],
    ] as const)
      await grows(
        () => tileFrames(page, `tile-${other.id}`),
        20,
        60_000,
        () => inboundVideo(page),
      );
  };

  const producersOnServer = async () => {
    const stats = (await apiCall(app.url, admin, 'GET', '/api/sfu/stats')).json as {
      rooms: { roundId: string; routers: { producers: number }[] }[];
    };
    return stats.rooms.find((r) => r.roundId === roundId)?.routers.reduce((n, r) => n + r.producers, 0) ?? 0;
  };

  beforeAll(async () => {
    createLink();
    const port = await freePort();
    app = await startApp({
      env: {
        HOST: ROOT_IP,
        PORT: String(port),
        PUBLIC_URL: `http://${ROOT_IP}:${port}`,
        SFU_WORKERS: '1',
        SFU_LISTEN_IP: ROOT_IP,
        SFU_ANNOUNCED_IP: ROOT_IP,
      },
    });
    // Not 127.0.0.1, so not a secure context by default: camera and microphone need this origin allowed.
    const args = [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${app.url}`];
    hostBrowser = await chromium.launch({ executablePath: CHROMIUM, args });
    // The county doctor's browser is started inside the namespace; playwright still drives it over its pipe.
    wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-weak-link-'));
    const wrapper = path.join(wrapperDir, 'chromium-in-county.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
    countyBrowser = await chromium.launch({ executablePath: wrapper, args });

    host = await apiLogin(app.url, 'pku.cardio');
    county = await apiLogin(app.url, 'lankao.doctor');
    admin = await apiLogin(app.url, 'sysadmin');
    const res = await apiCall(app.url, host, 'POST', '/api/rounds', {
      title: '县医院弱网查房 Ward round over a county link',
      kind: 'ward_round',
      scheduledAt: new Date().toISOString(),
      inviteeIds: [county.id],
      agenda: [{ title: 'Heart failure follow-up' }],
    });
    expect(res.status).toBe(201);
    roundId = res.json.id;
  });

  afterAll(async () => {
    await countyBrowser?.close().catch(() => undefined);
    await hostBrowser?.close().catch(() => undefined);
    await app?.stop();
    removeStale();
    if (wrapperDir) fs.rmSync(wrapperDir, { recursive: true, force: true });
  });

  it('with a good link both doctors decode each other’s camera', async () => {
    // The county browser really is on the other side of the veth.
    expect(runIn('ip', '-4', '-o', 'addr', 'show', 'dev', VETH_NS).toString()).toContain(COUNTY_IP);
    ({ page: hostPage } = await newPage(hostBrowser));
    ({ page: countyPage } = await newPage(countyBrowser, { locale: 'zh-CN' }));
    for (const [page, user] of [
      [hostPage, 'pku.cardio'],
      [countyPage, 'lankao.doctor'],
    ] as const) {
      await page.addInitScript(CAPTURE_PEER_CONNECTIONS);
      await login(page, app.url, user);
      await page.goto(`${app.url}/rounds/${roundId}/room`);
    }
    await bothDecode();
    await expect.poll(producersOnServer, { timeout: 10_000 }).toBe(4);
  });

  it('a throttled county link makes the county client propose audio-only; accepting stops its video, audio keeps flowing', async () => {
    throttle('90kbit');
    const proposal = countyPage.locator('[data-testid=propose-audio-only]');
    await expect.poll(() => proposal.isVisible(), { timeout: 60_000, interval: 500 }).toBe(true);
    await countyPage.locator('[data-testid=accept-audio-only]').click();
    await expect.poll(() => proposal.isVisible(), { timeout: 30_000, interval: 500 }).toBe(false);
    // The county's camera producer is gone from the server: mic + camera of the host, mic of the county.
    await expect.poll(producersOnServer, { timeout: 40_000, interval: 500 }).toBe(3);
    // The specialist sees the county doctor's tile without video (placeholder) and marked audio-only...
    const countyTile = hostPage.locator(`[data-testid="tile-${county.id}"]`);
    await expect
      .poll(() => countyTile.locator('.rounds-tile-placeholder').count(), { timeout: 30_000 })
      .toBe(1);
    const badge = () =>
      countyTile
        .locator('.badge')
        .textContent({ timeout: 1000 })
        .catch(() => '');
    await expect.poll(badge, { timeout: 30_000 }).toMatch(/仅语音|audio only/);
    // ...while the voices still get through the throttled link, both ways.
    await grows(async () => (await inbound(hostPage, 'audio')).packets, 100);
    await grows(async () => (await inbound(countyPage, 'audio')).packets, 100);
    expect(await roomAttr(countyPage, 'data-status')).toBe('joined');
  });

  it('the link gets worse still while audio-only: the voice to the county loses packets, the room stays joined', async () => {
    // Below the smallest camera layer: the SFU's estimate of this link falls under it while no video flows, the
    // state in which a county doctor's incoming video once never came back after the link recovered.
    throttle('40kbit');
    await grows(async () => (await inbound(countyPage, 'audio')).lost, 400, 60_000);
    expect(await roomAttr(countyPage, 'data-status')).toBe('joined');
  });

  it('after the link recovers, the county doctor switches video back on and both sides decode again', async () => {
    unthrottle();
    await countyPage.locator('[data-testid=toggle-audio-only]').click();
    await expect.poll(producersOnServer, { timeout: 30_000 }).toBe(4);
    await bothDecode();
  });

  it('the county link goes down and comes back: the client restarts ICE, what the doctor did offline takes effect, media flows again', async () => {
    const restarts = Number(await roomAttr(countyPage, 'data-ice-restarts'));
    const rejoins = Number(await roomAttr(countyPage, 'data-rejoins'));
    setCountyLink('down');
    // The county browser notices the network went away, and both its transports lose their path.
    await expect.poll(() => countyPage.evaluate(() => navigator.onLine), { timeout: 20_000 }).toBe(false);
    await expect
      .poll(
        () =>
          countyPage.evaluate(() =>
            (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
              .filter((pc) => pc.connectionState !== 'closed')
              .map((pc) => pc.connectionState)
              .join(','),
          ),
        { timeout: 30_000 },
      )
      .toMatch(/^(disconnected|failed)(,(disconnected|failed))*$/);
    // The county doctor's socket is gone too. What they do now (raise a hand, mute, take over presenting the
    // shared viewer) is for the peer and the viewer place the server keeps for them; it reaches the server once
    // the room and the viewer are back on a new socket, never "join a round first" or "join the viewer first".
    await expect.poll(() => roomAttr(countyPage, 'data-reconnecting'), { timeout: 30_000 }).toBe('true');
    await countyPage.locator('[data-testid=toggle-hand]').click();
    await countyPage.locator('[data-testid=toggle-mic]').click();
    await countyPage.locator('[data-testid=sync-take]').click();
    const note = '血压 150/95，今晨复测';
    await countyPage.locator('[data-testid=chat-input]').fill(note);
    await countyPage.locator('[data-testid=chat-input]').press('Enter');
    const audioFromCounty = async () => (await inbound(hostPage, 'audio')).packets;
    setCountyLink('up');
    await expect
      .poll(async () => Number(await roomAttr(countyPage, 'data-ice-restarts')), { timeout: 40_000 })
      .toBeGreaterThan(restarts);
    const countyOnHost = hostPage.locator(`[data-testid="participant-${county.id}"]`);
    await expect.poll(() => countyOnHost.getAttribute('data-hand'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => countyOnHost.getAttribute('data-muted'), { timeout: 30_000 }).toBe('true');
    const presenterOnHost = hostPage.locator('[data-testid=sync-presenter]');
    await expect
      .poll(() => presenterOnHost.getAttribute('data-presenter-id'), { timeout: 30_000 })
      .toBe(county.id);
    await expect.poll(() => roomAttr(countyPage, 'data-reconnecting'), { timeout: 30_000 }).toBe('false');
    // The message typed offline reaches the host once, and stays once on the county page.
    const chatLines = (page: Page) => page.locator('[data-testid=round-chat] li', { hasText: note });
    await expect.poll(() => chatLines(hostPage).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => chatLines(countyPage).count(), { timeout: 30_000 }).toBe(1);
    expect(await countyPage.locator('[data-testid=chat-input]').inputValue()).toBe('');
    expect(await countyPage.locator('[role=alert].alert-error').count()).toBe(0);
    await countyPage.locator('[data-testid=toggle-mic]').click();
    await expect.poll(() => countyOnHost.getAttribute('data-muted'), { timeout: 30_000 }).toBe('false');
    await grows(audioFromCounty, 100);
    await bothDecode();
    // An ICE restart, not a full rejoin.
    expect(Number(await roomAttr(countyPage, 'data-rejoins'))).toBe(rejoins);
    expect(await roomAttr(countyPage, 'data-status')).toBe('joined');
  });

  it('closing the tab takes the county doctor out of the room at once, not after the server’s resume grace', async () => {
    await countyPage.close();
    await expect
      .poll(() => hostPage.locator(`[data-testid="tile-${county.id}"]`).count(), { timeout: 15_000 })
      .toBe(0);
    await expect.poll(producersOnServer, { timeout: 10_000 }).toBe(2);
  });
});
