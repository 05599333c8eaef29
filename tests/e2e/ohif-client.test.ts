/**
 * An OHIF-like client in a real browser: a page served from ANOTHER origin (a small static server on its own
 * 127.0.0.1 port) loads the `dicomweb-client` library OHIF uses (its UMD build) and tests/e2e/ohif-page/ohif-like.js,
 * reads docs/ohif-datasource.json's settings, and with a service client's bearer token (client credentials, got by
 * the test) opens a study as OHIF's DICOMweb data source does: QIDO studies/series/instances, series metadata,
 * frames with the configured Accept header, the pixel BulkDataURI, rendered and thumbnail. The CORS preflight is
 * allowed for the configured origin; a page of an origin not in CORS_ORIGINS is refused by the browser (its fetch
 * fails). The token stands like its hospital: another hospital's study is not found.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  apiCall,
  apiLogin,
  CORPUS_DIR,
  launchBrowser,
  newPage,
  REPO_ROOT,
  screenshotsOnFailure,
  startApp,
  type AppProcess,
} from './harness';
import { parsePart10 } from '../../server/src/imaging/dicom';
import { CT_SERIES, stowBody } from '../../server/src/imaging/testkit';

screenshotsOnFailure();

const PAGE_DIR = path.join(import.meta.dirname, 'ohif-page');
/** The UMD build of the dicomweb-client version the server's interop tests pin (OHIF's DICOMweb library). */
const DICOMWEB_CLIENT = createRequire(path.join(REPO_ROOT, 'server/package.json')).resolve(
  'dicomweb-client/build/dicomweb-client.js',
);
const OTHER_HOSPITAL_FILE = 'deb-pydicom/test_files/CT_small.dcm';
/** A JPEG 2000 (lossless) image: with `transfer-syntax=*` its frame comes as stored, the codestream. */
const J2K_FILE = 'deb-pydicom/test_files/MR_small_jp2klossless.dcm';
const J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';

/** A static server for the page, answering /config.json with the data source settings pointed at `platform`. */
async function staticSite(platform: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/': [path.join(PAGE_DIR, 'index.html'), 'text/html; charset=utf-8'],
    '/ohif-like.js': [path.join(PAGE_DIR, 'ohif-like.js'), 'text/javascript'],
    '/dicomweb-client.js': [DICOMWEB_CLIENT, 'text/javascript'],
  };
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/config.json') {
      const json = fs.readFileSync(path.join(REPO_ROOT, 'docs/ohif-datasource.json'), 'utf8');
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(json.replaceAll('https://PLATFORM', platform()));
    }
    const f = files[url];
    if (!f) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f[1] });
    res.end(fs.readFileSync(f[0]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

interface Outcome {
  error?: string;
  status?: number | null;
}
interface Opened extends Outcome {
  series: { uid: string; modality: string; instances: number; metadata: number }[];
  first: {
    sopInstanceUid: string;
    rows: number;
    columns: number;
    bitsAllocated: number;
    frameStatus: number;
    frameContentType: string;
    frameBodyBytes: number;
    framePartType: string | null;
    clientFrameBytes: number;
    bulkDataUri: string | null;
    bulkBytes: number;
    renderedMagic: number[];
    thumbnailMagic: number[];
  };
}
/** Call `window.ohifLike[fn](...args)` in the page. */
const inPage = <T>(page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(`window.ohifLike.${fn}(...${JSON.stringify(args)})`) as Promise<T>;

describe('an OHIF-like client on another origin', () => {
  let app: AppProcess;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof staticSite>>;
  let refused: Awaited<ReturnType<typeof staticSite>>;
  let token: string;
  const slices = CT_SERIES().filter((f) => f.path.includes('slice_'));
  const ct = parsePart10(fs.readFileSync(slices[0]!.abs));
  const other = parsePart10(fs.readFileSync(path.join(CORPUS_DIR, OTHER_HOSPITAL_FILE)));
  const j2k = parsePart10(fs.readFileSync(path.join(CORPUS_DIR, J2K_FILE)));
  if (!ct.ok || !other.ok || !j2k.ok) throw new Error('corpus');

  const stow = async (user: string, files: string[]) => {
    const who = await apiLogin(app.url, user);
    const { body, contentType } = stowBody(files.map((f) => fs.readFileSync(f)));
    const res = await fetch(`${app.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': contentType },
      body,
    });
    expect([user, res.status]).toEqual([user, 200]);
  };

  beforeAll(async () => {
    allowed = await staticSite(() => app.url);
    refused = await staticSite(() => app.url);
    app = await startApp({ env: { CORS_ORIGINS: allowed.origin } });
    browser = await launchBrowser();
    await stow('lankao.doctor', [...slices.map((f) => f.abs), path.join(CORPUS_DIR, J2K_FILE)]);
    await stow('wanquan.doctor', [path.join(CORPUS_DIR, OTHER_HOSPITAL_FILE)]);
    // A service client of Lankao (created by the programme administrator), token by client credentials.
    const lankao = await apiLogin(app.url, 'lankao.doctor');
    const program = await apiLogin(app.url, 'program');
    const created = await apiCall(app.url, program, 'POST', '/api/service-clients', {
      name: 'OHIF at Lankao',
      hospitalId: lankao.hospitalId,
      permissions: ['studies:read'],
    });
    expect(created.status).toBe(201);
    const basic = Buffer.from(
      `${encodeURIComponent(created.json.client.id)}:${encodeURIComponent(created.json.clientSecret)}`,
    ).toString('base64');
    const res = await fetch(`${app.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    token = ((await res.json()) as { access_token: string }).access_token;
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await allowed?.close();
    await refused?.close();
  });

  it('opens a study as OHIF does: QIDO, metadata, frames as configured, BulkData, rendered, thumbnail', async () => {
    const { page } = await newPage(browser);
    const crossOrigin: { url: string; allowOrigin: string | undefined }[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(app.url))
        crossOrigin.push({ url: r.url(), allowOrigin: r.headers()['access-control-allow-origin'] });
    });
    await page.goto(`${allowed.origin}/`);
    await expect.poll(() => page.evaluate('typeof window.DICOMwebClient?.api')).toBe('object');

    const found = await inPage<Outcome & { studies: { uid: string; description: string }[] }>(
      page,
      'findStudy',
      token,
      ct.attrs.studyUid,
    );
    expect(found).toEqual({
      studies: [{ uid: ct.attrs.studyUid, description: ct.attrs.studyDescription }],
    });
    const opened = await inPage<Opened>(page, 'openStudy', token, ct.attrs.studyUid);
    expect(opened.error).toBeUndefined();
    expect(opened.series).toEqual([
      {
        uid: ct.attrs.seriesUid,
        modality: 'CT',
        instances: slices.length,
        metadata: slices.length,
      },
    ]);
    const f = opened.first;
    const frameBytes = f.rows * f.columns * (f.bitsAllocated / 8);
    expect([f.rows, f.columns]).toEqual([ct.attrs.rows, ct.attrs.columns]);
    expect(f.frameStatus).toBe(200);
    expect(f.frameContentType).toMatch(/^multipart\/related; *type="?application\/octet-stream/);
    expect(f.frameBodyBytes).toBeGreaterThan(frameBytes);
    expect(f.framePartType).toMatch(
      /^application\/octet-stream; *transfer-syntax=1\.2\.840\.10008\.1\.2\.1$/,
    );
    expect(f.clientFrameBytes).toBe(frameBytes);
    expect(f.bulkDataUri).toMatch(new RegExp(`^${app.url}/dicomweb/`));
    expect(f.bulkBytes).toBeGreaterThanOrEqual(frameBytes);
    expect(f.renderedMagic).toEqual([0xff, 0xd8]);
    expect(f.thumbnailMagic).toEqual([0xff, 0xd8]);
    // A compressed image: the frame as stored (what transfer-syntax=* asks for), labelled with its syntax.
    const mr = await inPage<Opened>(page, 'openStudy', token, j2k.attrs.studyUid);
    expect(mr.error).toBeUndefined();
    expect(mr.first.framePartType).toContain(`transfer-syntax=${J2K_LOSSLESS}`);
    expect(mr.first.clientFrameBytes).toBeLessThan(
      mr.first.rows * mr.first.columns * (mr.first.bitsAllocated / 8),
    );
    expect(mr.first.thumbnailMagic).toEqual([0xff, 0xd8]);
    // Every answer the page read came cross-origin, allowed for this origin only. (The Authorization header
    // makes each request non-simple, so the browser preflighted it; the preflight as it sends it is answered 204.)
    expect(crossOrigin.length).toBeGreaterThanOrEqual(8);
    expect(crossOrigin.filter((r) => r.allowOrigin !== allowed.origin)).toEqual([]);
    const pre = await fetch(`${app.url}/dicomweb/studies`, {
      method: 'OPTIONS',
      headers: {
        origin: allowed.origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(allowed.origin);
  });

  it("is scoped like its hospital: another hospital's study is not found", async () => {
    const { page } = await newPage(browser);
    await page.goto(`${allowed.origin}/`);
    await expect.poll(() => page.evaluate('typeof window.DICOMwebClient?.api')).toBe('object');
    const found = await inPage<Outcome & { studies: unknown[] }>(
      page,
      'findStudy',
      token,
      other.attrs.studyUid,
    );
    expect(found).toEqual({ studies: [] });
    const opened = await inPage<Opened>(page, 'openStudy', token, other.attrs.studyUid);
    // Opening it: no series (or a 404), never its content.
    if (opened.error === undefined) expect(opened.series).toEqual([]);
    else expect(opened.status).toBe(404);
    const direct = await fetch(
      `${app.url}/dicomweb/studies/${other.attrs.studyUid}/series/${other.attrs.seriesUid}/metadata`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(direct.status).toBe(404);
  });

  it('a page of an origin not in CORS_ORIGINS is refused by the browser', async () => {
    const { page } = await newPage(browser);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${refused.origin}/`);
    await expect.poll(() => page.evaluate('typeof window.DICOMwebClient?.api')).toBe('object');
    const raw = await inPage<Outcome>(page, 'rawQido', token);
    expect(raw.error).toMatch(/Failed to fetch/);
    const viaClient = await inPage<Outcome>(page, 'findStudy', token, ct.attrs.studyUid);
    expect(viaClient.error).toBeTruthy();
    expect(consoleErrors.join('\n')).toMatch(/CORS/);
    const pre = await fetch(`${app.url}/dicomweb/studies`, {
      method: 'OPTIONS',
      headers: { origin: refused.origin, 'access-control-request-method': 'GET' },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
