/**
 * The OHIF Viewer data source configuration we publish (docs/ohif-datasource.json) against a real listening
 * server: every capability flag it sets is checked with the requests OHIF's DICOMweb data source makes for it
 * (its QIDO parameter mapping, cornerstone's WADO-RS frame Accept header without quotes, thumbnails, lazy series
 * metadata, BulkDataURIs, WADO-URI), and the flags it leaves off name things the server indeed lacks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';
import { parsePart10 } from './dicom';
import { CT_SERIES, stowBody } from './testkit';

type Json = Record<string, { Value?: unknown[]; BulkDataURI?: string }>;
const config = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/ohif-datasource.json'), 'utf8'),
) as { configuration: Record<string, unknown> };
const c = config.configuration;

describe('OHIF data source configuration', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  let headers: Record<string, string>;
  const slices = CT_SERIES().filter((f) => f.path.includes('slice_'));
  const first = parsePart10(fs.readFileSync(slices[0]!.abs));
  if (!first.ok) throw new Error('corpus');
  const A = first.attrs;
  /** The configured roots, pointed at the test server. */
  const root = (key: string) => String(c[key]).replace('https://PLATFORM', srv.url);
  const get = (url: string, extra: Record<string, string> = {}) =>
    fetch(url, { headers: { ...headers, ...extra } });

  beforeAll(async () => {
    srv = await startTestServer('pglite');
    const res = await fetch(`${srv.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: DEMO_PASSWORD }),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    headers = { cookie, [CSRF_HEADER]: ((await res.json()) as { csrfToken: string }).csrfToken };
    const { body, contentType } = stowBody(slices.map((f) => fs.readFileSync(f.abs)));
    const stow = await fetch(`${root('wadoRoot')}/studies`, {
      method: 'POST',
      headers: { ...headers, 'content-type': contentType },
      body,
    });
    expect(stow.status).toBe(200);
  }, 300_000);
  afterAll(async () => srv?.close());

  it('study list: OHIF query mapping with includefield, wildcard and fuzzy matching', async () => {
    expect(c.qidoSupportsIncludeField && c.supportsWildcard && c.supportsFuzzyMatching).toBe(true);
    // OHIF's qido.js mapParams: wildcards around the name when supportsWildcard, fuzzymatching, includefield.
    const q = new URLSearchParams({
      PatientName: '*samples*',
      limit: '101',
      offset: '0',
      fuzzymatching: String(c.supportsFuzzyMatching === true),
      includefield: '00081030,00080060',
    });
    const res = await get(`${root('qidoRoot')}/studies?${q}`, { accept: 'application/dicom+json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('warning')).toBeNull();
    const studies = (await res.json()) as Json[];
    const s = studies.find((x) => x['0020000D']!.Value![0] === A.studyUid)!;
    expect(s['00081030']!.Value).toEqual([A.studyDescription]);
    const fuzzy = await get(`${root('qidoRoot')}/studies?PatientName=ct1&fuzzymatching=true`);
    expect(((await fuzzy.json()) as Json[]).map((x) => x['0020000D']!.Value![0])).toContain(A.studyUid);
  });

  it('viewer: lazy series metadata with BulkDataURIs, frames with the unquoted Accept header, thumbnails', async () => {
    expect(c.enableStudyLazyLoad).toBe(true);
    const series = (await (await get(`${root('qidoRoot')}/studies/${A.studyUid}/series`)).json()) as Json[];
    expect(series.map((x) => x['0020000E']!.Value![0])).toEqual([A.seriesUid]);
    const md = (await (
      await get(`${root('wadoRoot')}/studies/${A.studyUid}/series/${A.seriesUid}/metadata`, {
        'accept-encoding': 'gzip',
      })
    ).json()) as Json[];
    expect(md).toHaveLength(slices.length);
    const pixel = md[0]!['7FE00010']!;
    expect((c.bulkDataURI as { enabled: boolean }).enabled && pixel.BulkDataURI).toBeTruthy();
    const sop = md[0]!['00080018']!.Value![0] as string;
    const instance = `${root('wadoRoot')}/studies/${A.studyUid}/series/${A.seriesUid}/instances/${sop}`;
    expect(c.imageRendering).toBe('wadors');
    expect(c.omitQuotationForMultipartRequest).toBe(true);
    const frames = await get(`${instance}/frames/1`, { accept: (c.acceptHeader as string[])[0]! });
    expect(frames.status).toBe(200);
    expect(frames.headers.get('content-type')).toMatch(/^multipart\/related/);
    expect((await get(pixel.BulkDataURI!)).status).toBe(200);
    expect(c.thumbnailRendering).toBe('thumbnail');
    const thumb = await get(`${instance}/thumbnail`, { accept: 'image/jpeg' });
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const wado = await get(
      `${root('wadoUriRoot')}?requestType=WADO&studyUID=${A.studyUid}&seriesUID=${A.seriesUid}&objectUID=${sop}&contentType=application%2Fdicom`,
    );
    expect(wado.status).toBe(200);
  });

  it('leaves off what the server does not offer (reject, static WADO)', async () => {
    expect(c.supportsReject).toBe(false);
    expect(c.staticWado).toBe(false);
    const reject = await fetch(`${root('wadoRoot')}/studies/${A.studyUid}/reject/113039%5EDCM`, {
      method: 'POST',
      headers,
    });
    expect(reject.status).toBe(404);
  });
});
