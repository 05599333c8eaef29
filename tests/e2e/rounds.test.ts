/**
 * Video ward round in two real Chromium contexts (fake camera and microphone) through the real server and its
 * mediasoup workers. SFU_PEERS_PER_ROUTER=1 puts the two doctors on routers of different workers, so every
 * frame here also crossed a pipeToRouter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  login,
  newPage,
  screenshotsOnFailure,
  startApp,
  type AppProcess,
  apiCall,
  apiLogin as harnessApiLogin,
  type ApiUser,
} from './harness';
import { START_ENV } from '../server-process';

screenshotsOnFailure();

let app: AppProcess;
let browser: Browser;

type Api = ApiUser;
const apiLogin = (username: string) => harnessApiLogin(app.url, username);
const call = (who: Api, method: string, url: string, body?: unknown) =>
  apiCall(app.url, who, method, url, body);

interface SfuStats {
  workers: { pid: number }[];
  rooms: {
    roundId: string;
    peers: string[];
    routers: {
      workerPid: number;
      transports: number;
      peerTransports: number;
      producers: number;
      consumers: number;
    }[];
  }[];
}

/** getDisplayMedia in headless Chromium: a moving canvas stands in for the captured screen. */
const FAKE_SCREEN = () => {
  navigator.mediaDevices.getDisplayMedia = async () => {
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 360;
    const g = c.getContext('2d')!;
    let x = 0;
    setInterval(() => {
      g.fillStyle = '#123';
      g.fillRect(0, 0, 640, 360);
      g.fillStyle = '#fc3';
      g.fillRect((x += 7) % 600, 150, 40, 40);
    }, 50);
    return c.captureStream(15);
  };
};

const frames = (page: Page, testId: string) =>
  page
    .locator(`[data-testid="${testId}"]`)
    .getAttribute('data-frames-decoded', { timeout: 1000 })
    .then(Number)
    .catch(() => 0);

describe('video ward round in two browsers', () => {
  let host: Api;
  let guest: Api;
  let admin: Api;
  let roundId: string;
  let hostPage: Page;
  let guestPage: Page;

  beforeAll(async () => {
    app = await startApp({
      env: { SFU_WORKERS: '2', SFU_PEERS_PER_ROUTER: '1', SFU_LISTEN_IP: '127.0.0.1' },
    });
    browser = await launchBrowser();
    host = await apiLogin('pku.cardio');
    guest = await apiLogin('lankao.doctor');
    admin = await apiLogin('sysadmin');
    const res = await call(host, 'POST', '/api/rounds', {
      title: '心内科教学查房 Cardiology teaching round',
      kind: 'teaching',
      scheduledAt: new Date().toISOString(),
      inviteeIds: [guest.id],
      agenda: [{ title: 'STEMI in a county hospital' }],
    });
    expect(res.status).toBe(201);
    roundId = res.json.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const stats = async (): Promise<SfuStats> => (await call(admin, 'GET', '/api/sfu/stats')).json;

  it('both doctors join and each decodes the other one’s camera (getStats framesDecoded)', async () => {
    ({ page: hostPage } = await newPage(browser));
    ({ page: guestPage } = await newPage(browser, { locale: 'zh-CN' }));
    for (const [page, user] of [
      [hostPage, 'pku.cardio'],
      [guestPage, 'lankao.doctor'],
    ] as const) {
      await page.addInitScript(FAKE_SCREEN);
      await login(page, app.url, user);
      await page.goto(`${app.url}/rounds/${roundId}/room`);
    }
    await expect.poll(() => frames(hostPage, `tile-${guest.id}`), { timeout: 40_000 }).toBeGreaterThan(0);
    await expect.poll(() => frames(guestPage, `tile-${host.id}`), { timeout: 40_000 }).toBeGreaterThan(0);
    // Names and hospitals on the tiles.
    // (The demo users' profile language is zh-CN, which the UI follows.)
    expect(await hostPage.locator(`[data-testid="tile-${guest.id}"] figcaption`).textContent()).toContain(
      '兰考县人民医院',
    );
    expect(await guestPage.locator(`[data-testid="tile-${host.id}"] figcaption`).textContent()).toContain(
      '北京大学第一医院',
    );
    const room = (await stats()).rooms.find((r) => r.roundId === roundId)!;
    expect(new Set(room.routers.map((r) => r.workerPid)).size).toBe(2);
  });

  it('screen share from the host reaches the county doctor', async () => {
    await hostPage.locator('[data-testid=toggle-screen]').click();
    await expect.poll(() => frames(guestPage, `screen-${host.id}`), { timeout: 30_000 }).toBeGreaterThan(0);
  });

  it('chat and the current agenda item reach the other side', async () => {
    await guestPage.locator('[data-testid=chat-input]').fill('心电图已上传 ECG uploaded');
    await guestPage.locator('[data-testid=chat-input]').press('Enter');
    await expect
      .poll(() => hostPage.locator('[data-testid=round-chat]').textContent(), { timeout: 10_000 })
      .toContain('ECG uploaded');
    await hostPage.locator('[data-testid=agenda-set-0]').click();
    await expect
      .poll(() => guestPage.locator('[data-testid=agenda-current]').textContent(), { timeout: 10_000 })
      .toContain('STEMI');
  });

  it('the host records the round; the WebM is listed on the round page, plays in <video>, and only round members get it', async () => {
    await hostPage.locator('[data-testid=toggle-record]').click();
    await expect.poll(() => guestPage.locator('.rounds-rec').count(), { timeout: 10_000 }).toBe(1);
    const dir = path.join(app.dataDir, 'work', 'recordings', roundId); // ffmpeg's node-local work files
    const size = () =>
      fs.existsSync(dir)
        ? fs
            .readdirSync(dir)
            .filter((f) => f.endsWith('.webm'))
            .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0)
        : 0;
    await expect.poll(size, { timeout: 60_000 }).toBeGreaterThan(40_000);
    await hostPage.locator('[data-testid=toggle-record]').click();
    await expect.poll(() => guestPage.locator('.rounds-rec').count(), { timeout: 20_000 }).toBe(0);
    const detail = (await call(guest, 'GET', `/api/rounds/${roundId}`)).json;
    expect(detail.recordings).toHaveLength(1);
    const rec = detail.recordings[0];
    expect(rec.status).toBe('ready');
    const url = `${app.url}/api/rounds/${roundId}/recordings/${rec.id}/file`;
    const part = await fetch(url, { headers: { cookie: guest.cookie, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${rec.sizeBytes}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const outsider = await apiLogin('linquan.doctor');
    expect((await fetch(url, { headers: { cookie: outsider.cookie } })).status).toBe(404);
    // The county doctor watches it from the round page.
    const { page } = await newPage(browser);
    await login(page, app.url, 'lankao.doctor');
    await page.goto(`${app.url}/rounds/${roundId}`);
    const video = page.locator('[data-testid=recording-video]');
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(1);
    expect(await video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await page.context().close();
  });

  it("the media workers run with glibc's allocator defaults: the setting pnpm start gives the server is its own", async () => {
    const environ = (pid: number) => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const setting = `GLIBC_TUNABLES=${START_ENV.GLIBC_TUNABLES}`;
    expect(environ(app.proc.pid!)).toContain(setting);
    const workers = (await stats()).workers;
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers)
      expect(environ(w.pid).filter((v) => v.startsWith('GLIBC_TUNABLES='))).toEqual([]);
  });

  it('killing the media worker makes both clients rejoin and decode again', async () => {
    const before = (await stats()).rooms.find((r) => r.roundId === roundId)!;
    const pid = before.routers[0]!.workerPid;
    process.kill(pid, 'SIGKILL');
    for (const page of [hostPage, guestPage]) {
      await expect
        .poll(() => page.locator('[data-testid=round-room]').getAttribute('data-rejoins').then(Number), {
          timeout: 20_000,
        })
        .toBeGreaterThan(0);
      await expect
        .poll(() => page.locator('[data-testid=round-room]').getAttribute('data-status'), { timeout: 30_000 })
        .toBe('joined');
    }
    await expect.poll(() => frames(hostPage, `tile-${guest.id}`), { timeout: 40_000 }).toBeGreaterThan(0);
    await expect.poll(() => frames(guestPage, `tile-${host.id}`), { timeout: 40_000 }).toBeGreaterThan(0);
    expect((await stats()).workers.map((w) => w.pid)).not.toContain(pid);
  });

  it('a doctor whose remembered router capabilities are out of date (the codecs changed) still gets video', async () => {
    // An earlier join remembered the router's capabilities (client/src/features/rounds/device.ts); make them
    // differ from the server's, as after a codec change: the join sent `ready` for the old ones, so it joins again.
    const key = 'consult:round:routerRtpCapabilities';
    const fresh = await guestPage.evaluate((k) => localStorage.getItem(k), key);
    expect(fresh).toBeTruthy();
    await guestPage.evaluate((k) => {
      const caps = JSON.parse(localStorage.getItem(k)!) as { headerExtensions: unknown[] };
      caps.headerExtensions = caps.headerExtensions.slice(1);
      localStorage.setItem(k, JSON.stringify(caps));
    }, key);
    await guestPage.reload();
    await expect.poll(() => frames(guestPage, `tile-${host.id}`), { timeout: 40_000 }).toBeGreaterThan(0);
    expect(await guestPage.evaluate((k) => localStorage.getItem(k), key)).toBe(fresh);
    expect(await guestPage.locator('[data-testid=round-room]').getAttribute('data-status')).toBe('joined');
  });

  it('leaving closes every transport: no router of the round is left', async () => {
    await guestPage.locator('[data-testid=room-leave]').click();
    await expect
      .poll(
        async () =>
          (await stats()).rooms
            .find((r) => r.roundId === roundId)
            ?.routers.reduce((n, r) => n + r.peerTransports, 0),
        { timeout: 10_000 },
      )
      .toBe(2); // the host's send and receive transports (pipes between the two routers may remain until the end)
    await hostPage.locator('[data-testid=room-leave]').click();
    await expect
      .poll(async () => (await stats()).rooms.filter((r) => r.roundId === roundId), { timeout: 10_000 })
      .toEqual([]);
  });

  it('a doctor who was not invited is refused', async () => {
    const { page } = await newPage(browser);
    await login(page, app.url, 'linquan.doctor');
    await page.goto(`${app.url}/rounds/${roundId}/room`);
    await expect
      .poll(() => page.locator('[data-testid=round-room]').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('error');
    expect(await page.locator('[data-testid=room-error]').getAttribute('data-code')).toBe('not_found');
    expect(await page.locator('[data-testid=room-error]').textContent()).toContain('不在受邀名单');
    expect((await call(await apiLogin('linquan.doctor'), 'GET', `/api/rounds/${roundId}`)).status).toBe(404);
  });
});
