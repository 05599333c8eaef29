/**
 * DICOMweb conformance over HTTP (PS3.18; docs/dicom-conformance.md): transfer-syntax negotiation on WADO-RS,
 * gzip/deflate DICOM JSON, QIDO Warning headers, limit/offset, fuzzy matching, rendered JPEG and thumbnails.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parseDataSet, text } from './dicom';
import { CORPUS, CT_SERIES, splitMultipart, stowAs } from './testkit';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
type Ref = { study: string; series: string; sop: string };

function pixelsOf(part10: Uint8Array): Buffer {
  const ds = parseDataSet(part10);
  const el = ds.elements.x7fe00010!;
  return Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length));
}

describe('DICOMweb conformance', () => {
  let t: TestApp;
  let county: Session;
  const refs: Record<string, Ref> = {};
  const files: Record<string, Buffer> = {};

  const upload = async (name: string, file: string) => {
    files[name] = fs.readFileSync(path.join(CORPUS, file));
    const r = await stowAs(t, county, [files[name]]);
    expect(r.statusCode, r.body).toBe(200);
    const sop = r.json()['00081199'].Value[0]['00081155'].Value[0] as string;
    const found = await t.as(county, { method: 'GET', url: `/dicomweb/instances?SOPInstanceUID=${sop}` });
    const row = found.json()[0];
    refs[name] = { study: row['0020000D'].Value[0], series: row['0020000E'].Value[0], sop };
  };
  const inst = (x: Ref, tail = '') =>
    `/dicomweb/studies/${x.study}/series/${x.series}/instances/${x.sop}${tail}`;
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.as(county, { method: 'GET', url, headers });

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    county = await t.login('lankao.doctor');
    await upload('implicit', 'generated/ts/implicit_le.dcm');
    await upload('j2k', 'deb-pydicom/test_files/MR_small_jp2klossless.dcm');
    await upload('jpegExt', 'generated/ts/jpeg_extended.dcm');
    const ct = CT_SERIES().filter((f) => f.path.includes('slice_'));
    const r = await stowAs(
      t,
      county,
      ct.map((f) => fs.readFileSync(f.abs)),
    );
    expect(r.statusCode).toBe(200);
    const sop = r.json()['00081199'].Value[0]['00081155'].Value[0] as string;
    const row = (await get(`/dicomweb/instances?SOPInstanceUID=${sop}`)).json()[0];
    refs.ct = { study: row['0020000D'].Value[0], series: row['0020000E'].Value[0], sop };
  }, 120_000);
  afterAll(async () => t?.close());

  it('transcodes an instance to Explicit VR Little Endian when asked, keeps it with transfer-syntax=*', async () => {
    const asked = await get(inst(refs.j2k!), {
      accept: `multipart/related; type="application/dicom"; transfer-syntax=${EXPLICIT_LE}`,
    });
    expect(asked.statusCode).toBe(200);
    const [part] = splitMultipart(asked.rawPayload, String(asked.headers['content-type']));
    expect(part!.headers).toContain(`transfer-syntax=${EXPLICIT_LE}`);
    expect(text(parseDataSet(part!.body), 'x00020010')).toBe(EXPLICIT_LE);
    const original = fs.readFileSync(path.join(CORPUS, 'deb-pydicom/test_files/MR_small_implicit.dcm'));
    expect(Buffer.compare(pixelsOf(part!.body), pixelsOf(original))).toBe(0);
    // The media type's default (no transfer-syntax parameter) is Explicit VR Little Endian too.
    const byDefault = await get(inst(refs.implicit!), {
      accept: 'multipart/related; type="application/dicom"',
    });
    const [d] = splitMultipart(byDefault.rawPayload, String(byDefault.headers['content-type']));
    expect(text(parseDataSet(d!.body), 'x00020010')).toBe(EXPLICIT_LE);
    // `*` keeps the stored file byte for byte.
    const star = await get(inst(refs.j2k!), {
      accept: 'multipart/related; type="application/dicom"; transfer-syntax=*',
    });
    const [s] = splitMultipart(star.rawPayload, String(star.headers['content-type']));
    expect(Buffer.compare(s!.body, files.j2k!)).toBe(0);
  });

  it('answers 406 naming what is available when it cannot produce the syntax asked for', async () => {
    const r = await get(inst(refs.jpegExt!), {
      accept: `multipart/related; type="application/dicom"; transfer-syntax=${EXPLICIT_LE}`,
    });
    expect(r.statusCode).toBe(406);
    expect(r.json().message).toContain('transfer-syntax=1.2.840.10008.1.2.4.51');
    const other = await get(inst(refs.j2k!), {
      accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.80',
    });
    expect(other.statusCode).toBe(406);
    expect(other.json().message).toMatch(/1\.2\.840\.10008\.1\.2\.4\.90.*1\.2\.840\.10008\.1\.2\.1/);
    // A later acceptable alternative in the same Accept header is used.
    const alt = await get(inst(refs.jpegExt!), {
      accept: `multipart/related; type="application/dicom"; transfer-syntax=${EXPLICIT_LE}, multipart/related; type="application/dicom"; transfer-syntax=*;q=0.5`,
    });
    expect(alt.statusCode).toBe(200);
  });

  it('serves frames decoded, as stored in their own media type, or 406', async () => {
    const raw = await get(inst(refs.j2k!, '/frames/1'), {
      accept: 'multipart/related; type=application/octet-stream',
    });
    expect(raw.statusCode).toBe(200);
    const [f] = splitMultipart(raw.rawPayload, String(raw.headers['content-type']));
    expect(f!.headers).toContain(`transfer-syntax=${EXPLICIT_LE}`);
    const original = fs.readFileSync(path.join(CORPUS, 'deb-pydicom/test_files/MR_small_implicit.dcm'));
    expect(Buffer.compare(f!.body, pixelsOf(original))).toBe(0);
    const jp2 = await get(inst(refs.j2k!, '/frames/1'), { accept: 'multipart/related; type="image/jp2"' });
    expect(jp2.headers['content-type']).toMatch(/type="image\/jp2"/);
    const star = await get(inst(refs.j2k!, '/frames/1'), {
      accept: 'multipart/related; type=application/octet-stream; transfer-syntax=*',
    });
    expect(splitMultipart(star.rawPayload, String(star.headers['content-type']))[0]!.headers).toContain(
      'image/jp2',
    );
    const jls = await get(inst(refs.j2k!, '/frames/1'), { accept: 'multipart/related; type="image/jls"' });
    expect(jls.statusCode).toBe(406);
    expect(jls.json().message).toContain('image/jp2');
  });

  it('compresses metadata and QIDO answers when the client accepts gzip or deflate', async () => {
    const url = `/dicomweb/studies/${refs.ct!.study}/series/${refs.ct!.series}/metadata`;
    const plain = await get(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gz = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(zlib.gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    expect(gz.rawPayload.length * 4).toBeLessThan(plain.rawPayload.length);
    const df = await get(`/dicomweb/studies?StudyInstanceUID=${refs.ct!.study}&includefield=all`, {
      'accept-encoding': 'deflate',
    });
    expect(df.headers['content-encoding']).toBe('deflate');
    expect(JSON.parse(zlib.inflateSync(df.rawPayload).toString())).toHaveLength(1);
    const refused = await get(url, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('warns about query keys it does not match on, and about further pages', async () => {
    const r = await get(`/dicomweb/studies?StudyInstanceUID=${refs.ct!.study}&StudyTime=1200&NoSuchKey=1`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toHaveLength(1);
    const warning = String(r.headers.warning);
    expect(warning).toMatch(/^299 \S+ "/);
    expect(warning).toContain('unsupported query key');
    expect(warning).toContain('StudyTime, NoSuchKey');
    expect(
      (await get(`/dicomweb/studies?StudyInstanceUID=${refs.ct!.study}`)).headers.warning,
    ).toBeUndefined();
    const series = `/dicomweb/studies/${refs.ct!.study}/series/${refs.ct!.series}/instances`;
    const all = (await get(series)).json() as unknown[];
    const page = await get(`${series}?limit=2&offset=1`);
    expect(page.json()).toHaveLength(2);
    expect(String(page.headers.warning)).toContain(`There are ${all.length - 3} additional results`);
    const last = await get(`${series}?limit=2&offset=${all.length - 2}`);
    expect(last.headers.warning).toBeUndefined();
    const studies = await get('/dicomweb/studies?limit=1');
    expect(String(studies.headers.warning)).toContain('additional results that can be requested');
    expect((await get('/dicomweb/studies?fuzzymatching=maybe')).statusCode).toBe(400);
  });

  it('matches person names fuzzily only when fuzzymatching=true', async () => {
    const slice = CT_SERIES().find((f) => f.path.includes('slice_'))!;
    const name = text(parseDataSet(fs.readFileSync(slice.abs)), 'x00100010');
    const given = name.split('^')[1]!.slice(0, 3).toLowerCase();
    const literal = await get(`/dicomweb/studies?PatientName=${given}`);
    expect(literal.json()).toHaveLength(0);
    const fuzzy = await get(`/dicomweb/studies?PatientName=${given}&fuzzymatching=true`);
    expect(
      (fuzzy.json() as Record<string, { Value: string[] }>[]).map((s) => s['0020000D']!.Value[0]),
    ).toContain(refs.ct!.study);
  });

  it('renders JPEG when asked (not 406) and thumbnails at every level', async () => {
    const jpeg = await get(inst(refs.ct!, '/rendered'), { accept: 'image/jpeg' });
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect([...jpeg.rawPayload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const low = await get(`${inst(refs.ct!, '/frames/1/rendered')}?quality=10`, { accept: 'image/jpeg' });
    expect(low.rawPayload.length).toBeLessThan(jpeg.rawPayload.length);
    const { study, series } = refs.ct!;
    for (const url of [
      `/dicomweb/studies/${study}/thumbnail`,
      `/dicomweb/studies/${study}/series/${series}/thumbnail`,
      inst(refs.ct!, '/thumbnail'),
      inst(refs.ct!, '/frames/1/thumbnail'),
    ]) {
      const r = await get(url, { accept: 'image/png' });
      expect(r.statusCode, url).toBe(200);
      const [w, h] = [r.rawPayload.readUInt32BE(16), r.rawPayload.readUInt32BE(20)];
      expect(Math.max(w, h), url).toBeLessThanOrEqual(128);
    }
    const sized = await get(`${inst(refs.ct!, '/thumbnail')}?viewport=32,32`, { accept: 'image/png' });
    expect(sized.rawPayload.readUInt32BE(16)).toBe(32);
    expect((await get(`${inst(refs.ct!, '/thumbnail')}?viewport=0,5`)).statusCode).toBe(400);
    expect((await get(inst(refs.ct!, '/thumbnail'), { accept: 'image/gif' })).statusCode).toBe(406);
  });
});
