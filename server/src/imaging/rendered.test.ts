/** WADO-RS rendered resources over HTTP: pictures, windows, content negotiation, scoping and the audit trail. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { CORPUS, CT_SERIES, stowAs } from './testkit';
import { parseWindow } from './rendered.routes';

const pngSize = (b: Buffer) => ({ width: b.readUInt32BE(16), height: b.readUInt32BE(20) });

describe('WADO-RS rendered', () => {
  let t: TestApp;
  let county: Session;
  let outsider: Session;
  let ct: { study: string; series: string; sop: string };
  let jpeg: { study: string; series: string; sop: string };

  const upload = async (file: string) => {
    const r = await stowAs(t, county, [fs.readFileSync(file)]);
    expect(r.statusCode).toBe(200);
    const sop = r.json()['00081199'].Value[0]['00081155'].Value[0] as string;
    const found = await t.as(county, { method: 'GET', url: `/dicomweb/instances?SOPInstanceUID=${sop}` });
    const row = found.json()[0];
    return { study: row['0020000D'].Value[0], series: row['0020000E'].Value[0], sop };
  };
  const url = (x: { study: string; series: string; sop: string }, tail = 'rendered') =>
    `/dicomweb/studies/${x.study}/series/${x.series}/instances/${x.sop}/${tail}`;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    [county, outsider] = await Promise.all([t.login('lankao.doctor'), t.login('wanquan.doctor')]);
    ct = await upload(CT_SERIES().find((f) => f.path.endsWith('slice_7.dcm'))!.abs);
    jpeg = await upload(path.join(CORPUS, 'generated/ts/jpeg_baseline.dcm'));
  });
  afterAll(async () => t?.close());

  it('renders a CT frame as PNG in its own window or the one asked for', async () => {
    const own = await t.as(county, { method: 'GET', url: url(ct) });
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-type']).toBe('image/png');
    expect(pngSize(own.rawPayload)).toEqual({ width: 128, height: 128 });
    const lung = await t.as(county, {
      method: 'GET',
      url: `${url(ct, 'frames/1/rendered')}?window=-600,1500`,
    });
    expect(lung.statusCode).toBe(200);
    expect(Buffer.compare(lung.rawPayload, own.rawPayload)).not.toBe(0);
    // The same window spelled with its function gives the same picture.
    const linear = await t.as(county, {
      method: 'GET',
      url: `${url(ct, 'frames/1/rendered')}?window=-600,1500,LINEAR`,
    });
    expect(Buffer.compare(linear.rawPayload, lung.rawPayload)).toBe(0);
  });

  it('answers bad parameters, missing frames and unacceptable types with the reason', async () => {
    const bad = await t.as(county, { method: 'GET', url: `${url(ct)}?window=abc` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: '/querystring/window' });
    const sigmoid = await t.as(county, { method: 'GET', url: `${url(ct)}?window=40,400,SIGMOID` });
    expect(sigmoid.json().message).toMatch(/SIGMOID is not supported/);
    const frame = await t.as(county, { method: 'GET', url: url(ct, 'frames/2/rendered') });
    expect(frame.statusCode).toBe(404);
    expect(frame.json().message).toMatch(/frame 2 \(the instance has 1\)/);
    const gif = await t.as(county, { method: 'GET', url: url(ct), headers: { accept: 'image/gif' } });
    expect(gif.statusCode).toBe(406);
    // A 16-bit CT frame is windowed and encoded as JPEG when that is all the client takes.
    const jpegOnly = await t.as(county, { method: 'GET', url: url(ct), headers: { accept: 'image/jpeg' } });
    expect(jpegOnly.statusCode).toBe(200);
    expect(jpegOnly.headers['content-type']).toBe('image/jpeg');
  });

  it('passes JPEG Baseline through when JPEG is acceptable, and decodes it when only PNG is', async () => {
    const j = await t.as(county, {
      method: 'GET',
      url: url(jpeg),
      headers: { accept: 'image/jpeg, image/png' },
    });
    expect(j.headers['content-type']).toBe('image/jpeg');
    expect([...j.rawPayload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const p = await t.as(county, { method: 'GET', url: url(jpeg), headers: { accept: 'image/png' } });
    expect(p.headers['content-type']).toBe('image/png');
    expect(pngSize(p.rawPayload)).toEqual({ width: 256, height: 256 });
  });

  it('shows nothing to a user of an unlinked hospital, and records who viewed the study', async () => {
    expect((await t.as(outsider, { method: 'GET', url: url(ct) })).statusCode).toBe(404);
    const views = await t.db
      .selectFrom('audit_events')
      .select(['detail'])
      .where('action', '=', 'imaging.study.view')
      .where('actor_id', '=', county.userId)
      .execute();
    expect(views.some((v) => String(v.detail).includes('rendered'))).toBe(true);
  });

  it('reads the window parameter as PS3.18 spells it', () => {
    expect(parseWindow(undefined)).toEqual({});
    expect(parseWindow('40,400')).toEqual({ windowCenter: 40, windowWidth: 400 });
    expect(parseWindow('-600.5,1500,linear')).toEqual({ windowCenter: -600.5, windowWidth: 1500 });
    expect(() => parseWindow('40')).toThrow(/center,width/);
    expect(() => parseWindow('40,0')).toThrow(/at least 1/);
  });
});
