import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as dwc } from 'dicomweb-client';
import { CSRF_HEADER, SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';
import { parsePart10 } from './dicom';
import { CT_SERIES } from './testkit';

/**
 * Interoperability: the off-the-shelf `dicomweb-client` npm package (written for browsers, XMLHttpRequest)
 * against a real listening server. In Node it runs on the `xhr2` XMLHttpRequest; xhr2 refuses to set a Cookie
 * header like a browser would, so the test lifts that one restriction to send the session cookie.
 */
type Xhr = new () => object;
const XHR2 = createRequire(import.meta.url)('xhr2') as Xhr;
const restricted = (c: Xhr) => c.prototype as { _restrictedHeaders: Record<string, boolean> };
class NodeXhr extends XHR2 {}
restricted(NodeXhr)._restrictedHeaders = Object.fromEntries(
  Object.entries(restricted(XHR2)._restrictedHeaders).filter(([k]) => k !== 'cookie'),
);

/** The calls used here (the package's bundled typings mark every option as required). */
type Json = Record<string, { Value?: unknown[] }>;
interface Client {
  storeInstances(o: { datasets: ArrayBuffer[] }): Promise<unknown>;
  searchForStudies(o: { queryParams: Record<string, string> }): Promise<Json[]>;
  searchForSeries(o: { studyInstanceUID: string }): Promise<Json[]>;
  searchForInstances(o: { studyInstanceUID: string; seriesInstanceUID: string }): Promise<Json[]>;
  retrieveInstance(o: {
    studyInstanceUID: string;
    seriesInstanceUID: string;
    sopInstanceUID: string;
  }): Promise<ArrayBuffer>;
  retrieveSeriesMetadata(o: { studyInstanceUID: string; seriesInstanceUID: string }): Promise<Json[]>;
  retrieveInstanceFrames(o: {
    studyInstanceUID: string;
    seriesInstanceUID: string;
    sopInstanceUID: string;
    frameNumbers: number[];
  }): Promise<ArrayBuffer[]>;
}

describe('dicomweb-client against the server', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  let client: Client;
  const files = CT_SERIES()
    .filter((f) => f.path.includes('slice_'))
    .map((f) => fs.readFileSync(f.abs));
  const first = parsePart10(files[0]!);
  if (!first.ok) throw new Error('corpus');
  const A = first.attrs;

  beforeAll(async () => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = NodeXhr;
    srv = await startTestServer('pglite');
    const res = await fetch(`${srv.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: DEMO_PASSWORD }),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    const me = (await res.json()) as { csrfToken: string };
    client = new (dwc.DICOMwebClient as unknown as new (o: object) => Client)({
      url: `${srv.url}/dicomweb`,
      headers: { Cookie: cookie, [CSRF_HEADER]: me.csrfToken },
    });
  });
  afterAll(async () => {
    await srv?.close();
    delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  });

  it('stores with storeInstances, finds with searchForStudies/Series/Instances', async () => {
    await client.storeInstances({
      datasets: files.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
    });
    const studies = (await client.searchForStudies({ queryParams: { PatientID: A.patientId } })) as Record<
      string,
      { Value: unknown[] }
    >[];
    expect(studies.map((s) => s['0020000D']!.Value[0])).toContain(A.studyUid);
    // includefield as the client sends it: one comma-separated parameter, by keyword.
    const withFields = (await client.searchForStudies({
      queryParams: { StudyInstanceUID: A.studyUid, includefield: 'StudyDescription,PatientAge' },
    })) as Record<string, { Value: unknown[] }>[];
    expect(withFields).toHaveLength(1);
    expect(withFields[0]!['00081030']!.Value).toEqual([A.studyDescription]);
    expect(withFields[0]!['00101010']!.Value).toEqual(['000Y']);
    const series = (await client.searchForSeries({ studyInstanceUID: A.studyUid })) as Record<
      string,
      { Value: unknown[] }
    >[];
    expect(series.map((s) => s['0020000E']!.Value[0])).toEqual([A.seriesUid]);
    const instances = (await client.searchForInstances({
      studyInstanceUID: A.studyUid,
      seriesInstanceUID: A.seriesUid,
    })) as unknown[];
    expect(instances).toHaveLength(files.length);
  });

  it('retrieves an instance byte-identical, metadata and frames', async () => {
    const inst = (await client.retrieveInstance({
      studyInstanceUID: A.studyUid,
      seriesInstanceUID: A.seriesUid,
      sopInstanceUID: A.sopInstanceUid,
    })) as ArrayBuffer;
    expect(Buffer.compare(Buffer.from(inst), files[0]!)).toBe(0);
    const md = (await client.retrieveSeriesMetadata({
      studyInstanceUID: A.studyUid,
      seriesInstanceUID: A.seriesUid,
    })) as Record<string, { Value?: unknown[] }>[];
    expect(md).toHaveLength(files.length);
    expect(md.map((m) => m['00080018']!.Value![0])).toContain(A.sopInstanceUid);
    const frames = (await client.retrieveInstanceFrames({
      studyInstanceUID: A.studyUid,
      seriesInstanceUID: A.seriesUid,
      sopInstanceUID: A.sopInstanceUid,
      frameNumbers: [1],
    })) as ArrayBuffer[];
    expect(frames).toHaveLength(1);
    expect(frames[0]!.byteLength).toBe(A.rows! * A.columns! * (A.bitsAllocated! / 8));
  });
});
