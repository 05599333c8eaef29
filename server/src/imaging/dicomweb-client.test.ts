import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api as dwc } from 'dicomweb-client';
import { CSRF_HEADER, SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';
import path from 'node:path';
import { parseDataSet, parsePart10, text } from './dicom';
import { CORPUS, CT_SERIES } from './testkit';

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
    mediaTypes?: MediaType[];
  }): Promise<ArrayBuffer[]>;
  _httpGetMultipartApplicationDicom(url: string, mediaTypes: MediaType[]): Promise<ArrayBuffer[]>;
  retrieveInstanceRendered(
    o: InstanceRef & { mediaTypes?: MediaType[] },
  ): Promise<ArrayBuffer | ArrayBuffer[]>;
  retrieveInstanceThumbnail(
    o: InstanceRef & { mediaTypes?: MediaType[]; queryParams?: object },
  ): Promise<ArrayBuffer | ArrayBuffer[]>;
}
type MediaType = { mediaType: string; transferSyntaxUID?: string };
type InstanceRef = { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string };

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

  it('negotiates transfer syntaxes, renders and makes thumbnails as the client asks', async () => {
    const j2k = fs.readFileSync(path.join(CORPUS, 'deb-pydicom/test_files/MR_small_jp2klossless.dcm'));
    await client.storeInstances({
      datasets: [j2k.buffer.slice(j2k.byteOffset, j2k.byteOffset + j2k.byteLength) as ArrayBuffer],
    });
    const J = parsePart10(j2k);
    if (!J.ok) throw new Error('corpus');
    const ref = {
      studyInstanceUID: J.attrs.studyUid,
      seriesInstanceUID: J.attrs.seriesUid,
      sopInstanceUID: J.attrs.sopInstanceUid,
    };
    // Explicit VR Little Endian asked for: transcoded; '*': as stored. (0.11.3's retrieveStudy/retrieveInstance
    // refuse any mediaTypes argument — its common-type check yields "application/" — so the test calls the
    // method they delegate to, which builds the Accept header.)
    const url = `${srv.url}/dicomweb/studies/${ref.studyInstanceUID}`;
    const [explicit] = await client._httpGetMultipartApplicationDicom(url, [
      { mediaType: 'application/dicom', transferSyntaxUID: '1.2.840.10008.1.2.1' },
    ]);
    expect(text(parseDataSet(new Uint8Array(explicit!)), 'x00020010')).toBe('1.2.840.10008.1.2.1');
    const [stored] = await client._httpGetMultipartApplicationDicom(url, [
      { mediaType: 'application/dicom', transferSyntaxUID: '*' },
    ]);
    expect(Buffer.compare(Buffer.from(stored!), j2k)).toBe(0);
    // Frames: native pixels by default, the JPEG 2000 codestream when image/jp2 is asked for.
    const [native] = await client.retrieveInstanceFrames({ ...ref, frameNumbers: [1] });
    expect(native!.byteLength).toBe(64 * 64 * 2);
    const [codestream] = await client.retrieveInstanceFrames({
      ...ref,
      frameNumbers: [1],
      mediaTypes: [
        { mediaType: 'image/jp2', transferSyntaxUID: '1.2.840.10008.1.2.4.90' },
        { mediaType: 'application/octet-stream' },
      ],
    });
    expect(codestream!.byteLength).toBeLessThan(native!.byteLength);
    // The client hands images back as a one-element list (a single-part body) or as the bytes themselves.
    const bytes = (x: ArrayBuffer | ArrayBuffer[]) => Buffer.from(Array.isArray(x) ? x[0]! : x);
    const jpeg = await client.retrieveInstanceRendered({ ...ref, mediaTypes: [{ mediaType: 'image/jpeg' }] });
    expect([...bytes(jpeg).subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const thumb = await client.retrieveInstanceThumbnail({
      ...ref,
      mediaTypes: [{ mediaType: 'image/png' }],
    });
    expect(bytes(thumb).readUInt32BE(16)).toBeLessThanOrEqual(128);
    // Fuzzy matching as a query parameter.
    const fuzzy = await client.searchForStudies({
      queryParams: { PatientName: 'compressed', fuzzymatching: 'true' },
    });
    expect(fuzzy.map((x) => x['0020000D']!.Value![0])).toContain(A.studyUid);
  });
});
