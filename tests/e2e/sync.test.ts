/**
 * Synchronized viewing in a round, two real Chromium contexts: the radiologist presents the corpus CT (uploaded
 * through the imaging API by the county doctor and linked to the consultation on the round's agenda),
 * the county doctor's viewer follows, detaches, looks around alone and snaps back on re-attach.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { authorColor } from '@consult/shared';
import {
  ARTIFACTS,
  CORPUS_DIR,
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

screenshotsOnFailure();

const CT_DIR = path.join(CORPUS_DIR, 'generated/ct_series');
let app: AppProcess;
let browser: Browser;

type Api = ApiUser & { hospitalId: string };
const apiLogin = async (username: string): Promise<Api> => {
  const u = await harnessApiLogin(app.url, username);
  return { ...u, hospitalId: u.hospitalId! };
};
const call = async (who: Api, method: string, url: string, body?: unknown) => {
  const { status, json } = await apiCall(app.url, who, method, url, body);
  if (status >= 300) throw new Error(`${method} ${url}: ${status} ${JSON.stringify(json)}`);
  return json;
};

/** The viewer state the page's ViewerController reports. */
const viewerState = (page: Page) =>
  page.evaluate(() => {
    type V = {
      imageIds: string[];
      getState(): Record<string, number> | null;
      annotationsOf(id: string): Record<string, { data: unknown[] }>;
    };
    const v = (window as unknown as { __viewer?: V }).__viewer;
    const s = v?.getState() as
      { imageIndex: number; windowWidth: number; windowCenter: number } | null | undefined;
    if (!v || !s) return null;
    const imageId = v.imageIds[s.imageIndex] ?? '';
    const lengths = (v.annotationsOf(imageId).Length?.data ?? []) as { color?: string }[];
    return {
      ...s,
      slices: v.imageIds.length,
      lengths: lengths.length,
      colors: lengths.map((d) => d.color ?? null),
    };
  });

/** Pixels of the viewport canvas close to a colour (the rendered mark). */
const pixelsOf = (page: Page, hex: string) =>
  page.evaluate((hex) => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="sync-viewport"] canvas');
    if (!canvas) return 0;
    const g = canvas.getContext('2d')!;
    const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
    const [r, gr, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (
        Math.abs(data[i]! - r!) < 40 &&
        Math.abs(data[i + 1]! - gr!) < 40 &&
        Math.abs(data[i + 2]! - b!) < 40
      )
        n++;
    }
    return n;
  }, hex);

describe('synchronized viewing in a round, two browsers', () => {
  let radiologist: Api;
  let county: Api;
  let roundId: string;
  let studyUid: string;
  let sliceCount: number;
  let presenter: Page;
  let follower: Page;

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
    const host = await apiLogin('pku.cardio');
    radiologist = await apiLogin('pku.radiology');
    county = await apiLogin('lankao.doctor');
    // The county hospital uploads the corpus CT folder (13 files: a 10-slice series and a 3-slice one, two
    // studies), files the case and asks Peking University First Hospital; both studies are linked to it.
    const slices = new Map<string, number>();
    for (const f of fs.readdirSync(CT_DIR).filter((x) => x.endsWith('.dcm'))) {
      const res = await fetch(`${app.url}/api/imaging/instances`, {
        method: 'POST',
        headers: { cookie: county.cookie, 'x-csrf-token': county.csrf, 'content-type': 'application/dicom' },
        body: fs.readFileSync(path.join(CT_DIR, f)),
      });
      const j = (await res.json()) as { studyInstanceUid: string };
      expect(res.status).toBeLessThan(300);
      slices.set(j.studyInstanceUid, (slices.get(j.studyInstanceUid) ?? 0) + 1);
    }
    expect([...slices.values()].reduce((a, b) => a + b, 0)).toBe(13);
    // The round presents the larger series.
    [studyUid, sliceCount] = [...slices.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const patient = await call(county, 'POST', '/api/patients', {
      name: '王建国',
      sex: 'male',
      birthDate: '1958-03-14',
    });
    const withCase = await call(county, 'POST', `/api/patients/${patient.id}/cases`, {
      diagnosis: '右肺上叶结节 Right upper lobe nodule',
      icd10: 'R91',
    });
    const kase = withCase.cases.at(-1) as { id: string };
    const consultation = await call(county, 'POST', '/api/consultations', {
      patientId: patient.id,
      caseId: kase.id,
      type: 'ward_round_case',
      urgency: 'routine',
      clinicalQuestion: '结节性质？ Nature of the nodule?',
      targetHospitalId: host.hospitalId,
      submit: true,
    });
    for (const uid of slices.keys())
      await call(county, 'POST', `/api/consultations/${consultation.id}/studies`, { studyInstanceUid: uid });
    // The host takes the case and brings the radiologist onto its care team: only the team presents a case.
    await call(host, 'POST', `/api/consultations/${consultation.id}/transitions`, {
      to: 'triaged',
      assigneeId: host.id,
    });
    await call(host, 'POST', `/api/consultations/${consultation.id}/transitions`, { to: 'accepted' });
    await call(host, 'POST', `/api/consultations/${consultation.id}/team`, {
      userId: radiologist.id,
      purpose: 'imaging',
    });
    const round = await call(host, 'POST', '/api/rounds', {
      title: '胸部影像教学查房 Chest imaging teaching round',
      kind: 'teaching',
      scheduledAt: new Date().toISOString(),
      inviteeIds: [radiologist.id, county.id],
      agenda: [{ title: 'CT chest 胸部CT', consultationId: consultation.id, presenterId: radiologist.id }],
    });
    roundId = round.id;
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('the follower mirrors the presenter’s slice, lung window and length, detaches, looks around and snaps back', async () => {
    ({ page: presenter } = await newPage(browser));
    ({ page: follower } = await newPage(browser, { locale: 'zh-CN' }));
    await login(presenter, app.url, 'pku.radiology');
    await login(follower, app.url, 'lankao.doctor');
    await presenter.goto(`${app.url}/rounds/${roundId}/room`);
    await follower.goto(`${app.url}/rounds/${roundId}/room`);
    await presenter.locator('[data-testid="sync-panel"][data-status="ready"]').waitFor({ timeout: 30_000 });
    await follower.locator('[data-testid="sync-panel"][data-status="ready"]').waitFor({ timeout: 30_000 });

    // The radiologist presents and opens the CT for everyone.
    await presenter.locator('[data-testid="sync-take"]').click();
    await expect
      .poll(() => follower.locator('[data-testid="sync-presenter"]').getAttribute('data-presenter-id'))
      .toBe(radiologist.id);
    await presenter.locator(`[data-testid="sync-open-${studyUid}"]`).click();
    expect(sliceCount).toBe(10);
    await expect
      .poll(async () => (await viewerState(presenter))?.slices, { timeout: 30_000 })
      .toBe(sliceCount);
    await expect
      .poll(async () => (await viewerState(follower))?.slices, { timeout: 30_000 })
      .toBe(sliceCount);

    // Slice 7, lung window.
    await presenter.locator('[data-testid="sync-slice-input"]').fill('7');
    await presenter.locator('[data-preset="lung"]').click();
    await expect.poll(async () => (await viewerState(presenter))?.imageIndex, { timeout: 15_000 }).toBe(6);
    await expect
      .poll(
        async () => {
          const s = await viewerState(follower);
          return (
            s && { imageIndex: s.imageIndex, ww: Math.round(s.windowWidth), wc: Math.round(s.windowCenter) }
          );
        },
        { timeout: 15_000 },
      )
      .toEqual({ imageIndex: 6, ww: 1500, wc: -600 });
    await expect
      .poll(() => follower.locator('[data-testid="sync-slice-label"]').textContent())
      .toBe(`7 / ${sliceCount}`);

    // A length, drawn slowly: the follower sees the draft while it is drawn, then the finished mark.
    await presenter.locator('[data-tool="Length"]').click();
    const box = (await presenter.locator('[data-testid="sync-viewport"]').boundingBox())!;
    const from = { x: box.x + box.width * 0.35, y: box.y + box.height * 0.4 };
    const to = { x: box.x + box.width * 0.65, y: box.y + box.height * 0.6 };
    await presenter.mouse.move(from.x, from.y);
    await presenter.mouse.down();
    for (let i = 1; i <= 10; i++)
      await presenter.mouse.move(from.x + ((to.x - from.x) * i) / 20, from.y + ((to.y - from.y) * i) / 20);
    await expect
      .poll(() => follower.locator('[data-testid="sync-overlay"] [data-draft]').count(), { timeout: 10_000 })
      .toBe(1);
    for (let i = 11; i <= 20; i++)
      await presenter.mouse.move(from.x + ((to.x - from.x) * i) / 20, from.y + ((to.y - from.y) * i) / 20);
    await presenter.mouse.up();

    const color = authorColor(radiologist.id);
    await expect.poll(async () => (await viewerState(follower))?.lengths, { timeout: 15_000 }).toBe(1);
    expect((await viewerState(follower))!.colors).toEqual([color]);
    await expect.poll(() => follower.locator('[data-testid="sync-overlay"] [data-draft]').count()).toBe(0);
    // Seen: the mark is drawn on the follower's canvas in the presenter's colour (and kept as a screenshot).
    await expect.poll(() => pixelsOf(follower, color), { timeout: 10_000 }).toBeGreaterThan(30);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await follower
      .locator('[data-testid="sync-panel"]')
      .screenshot({ path: path.join(ARTIFACTS, 'sync-follower-length.png') });
    // Persisted through the imaging annotation store.
    const studies = await call(county, 'GET', '/api/imaging/studies');
    const stored = await call(
      county,
      'GET',
      `/api/imaging/studies/${studies.find((s: { studyInstanceUid: string }) => s.studyInstanceUid === studyUid).id}/annotations`,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ tool: 'Length', authorId: radiologist.id });

    // The follower detaches and looks around alone: slice 2, bone window. The presenter stays on slice 7.
    await follower.locator('[data-testid="sync-detach"]').click();
    await follower.locator('[data-testid="sync-slice-input"]').fill('2');
    await follower.locator('[data-preset="bone"]').click();
    await expect.poll(async () => (await viewerState(follower))?.imageIndex, { timeout: 15_000 }).toBe(1);
    expect(Math.round((await viewerState(follower))!.windowWidth)).toBe(2500);
    expect((await viewerState(presenter))!.imageIndex).toBe(6);
    await expect.poll(() => presenter.locator('.sync-bar .badge').textContent()).toContain('1');

    // Re-attach: back on the presenter's slice and window at once.
    await follower.locator('[data-testid="sync-reattach"]').click();
    await expect
      .poll(
        async () => {
          const s = await viewerState(follower);
          return (
            s && {
              imageIndex: s.imageIndex,
              ww: Math.round(s.windowWidth),
              wc: Math.round(s.windowCenter),
              lengths: s.lengths,
            }
          );
        },
        { timeout: 15_000 },
      )
      .toEqual({ imageIndex: 6, ww: 1500, wc: -600, lengths: 1 });

    // The laser pointer: the follower sees the presenter's cursor; nothing is stored.
    await presenter.locator('[data-testid="sync-laser"]').click();
    await presenter.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await presenter.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.5);
    await expect
      .poll(() => follower.locator('[data-testid="sync-laser-dot"]').count(), { timeout: 10_000 })
      .toBe(1);
    expect(await call(county, 'GET', `/api/imaging/studies/${stored[0].studyId}/annotations`)).toHaveLength(
      1,
    );
  });
});
