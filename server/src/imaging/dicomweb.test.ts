import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { corpusFiles, CT_SERIES, splitMultipart, stowAs, stowBody } from './testkit';

const file = (p: string) => fs.readFileSync(corpusFiles().find((f) => f.path === p)!.abs);
type J = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;
const v = (ds: J, tag: string) => ds[tag]?.Value?.[0];

describe.each(DIALECTS)('DICOMweb QIDO/WADO (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  const ct = CT_SERIES().filter((f) => f.path.includes('slice_'));
  const ctStudy = parsePart10(fs.readFileSync(ct[0]!.abs));
  if (!ctStudy.ok) throw new Error('corpus CT unreadable');
  const A = ctStudy.attrs;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    const files = [
      ...ct.map((f) => fs.readFileSync(f.abs)),
      file('deb-pydicom/charset_files/chrX2.dcm'),
      file('deb-pydicom/test_files/MR_small.dcm'),
      file('generated/mf16.dcm'),
      file('generated/ts/jpeg_baseline.dcm'),
      file('deb-pydicom/test_files/CT_small.dcm'),
    ];
    const r = await stowAs(t, s, files);
    expect(r.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  const qido = async (qs: string) => {
    const r = await t.as(s, { method: 'GET', url: `/dicomweb/studies${qs}` });
    expect(r.statusCode, qs).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/dicom\+json/);
    return r.json() as J[];
  };

  it('matches PatientName with wildcards, case-insensitively, on any name component group', async () => {
    expect(
      (await qido(`?PatientName=${encodeURIComponent(A.patientName.slice(0, 3).toLowerCase())}*`)).map((x) =>
        v(x, '0020000D'),
      ),
    ).toContain(A.studyUid);
    expect(await qido('?PatientName=NOBODY*')).toEqual([]);
    const zh = await qido(`?00100010=${encodeURIComponent('王^小?')}*`);
    expect(zh).toHaveLength(1);
    expect(v(zh[0]!, '00100010')).toEqual({ Alphabetic: 'Wang^XiaoDong', Ideographic: '王^小东' });
  });

  it('matches PatientID, AccessionNumber, StudyDate ranges, ModalitiesInStudy and StudyInstanceUID lists', async () => {
    const byId = await qido(`?PatientID=${encodeURIComponent(A.patientId)}`);
    expect(byId.map((x) => v(x, '0020000D'))).toContain(A.studyUid);
    for (const x of byId) expect(v(x, '00100020')).toBe(A.patientId);
    const d = A.studyDate;
    expect((await qido(`?StudyDate=${d}`)).map((x) => v(x, '0020000D'))).toContain(A.studyUid);
    expect((await qido(`?StudyDate=${d}-`)).map((x) => v(x, '0020000D'))).toContain(A.studyUid);
    expect((await qido(`?StudyDate=-${d}`)).map((x) => v(x, '0020000D'))).toContain(A.studyUid);
    expect((await qido(`?StudyDate=${Number(d) + 1}-`)).map((x) => v(x, '0020000D'))).not.toContain(
      A.studyUid,
    );
    const mr = await qido('?ModalitiesInStudy=MR');
    expect(mr.length).toBeGreaterThan(0);
    for (const x of mr) expect(x['00080061']!.Value).toContain('MR');
    const all = await qido('');
    const uids = all.map((x) => v(x, '0020000D') as string);
    const two = await qido(`?StudyInstanceUID=${uids[0]},${uids[1]}`);
    expect(two.map((x) => v(x, '0020000D')).sort()).toEqual([uids[0], uids[1]].sort());
    const acc = all.find((x) => v(x, '00080050'));
    if (acc) expect((await qido(`?AccessionNumber=${v(acc, '00080050')}`)).length).toBeGreaterThan(0);
    expect((await t.as(s, { method: 'GET', url: '/dicomweb/studies?StudyDate=yesterday' })).statusCode).toBe(
      400,
    );
  });

  it('pages with limit/offset and reports counts and RetrieveURL', async () => {
    const all = await qido('');
    expect(all.length).toBeGreaterThanOrEqual(5);
    const p1 = await qido('?limit=2');
    const p2 = await qido('?limit=2&offset=2');
    expect(p1).toHaveLength(2);
    expect(p1.concat(p2).map((x) => v(x, '0020000D'))).toEqual(all.slice(0, 4).map((x) => v(x, '0020000D')));
    const ctRow = all.find((x) => v(x, '0020000D') === A.studyUid)!;
    expect(v(ctRow, '00201208')).toBe(ct.length);
    expect(v(ctRow, '00201206')).toBe(1);
    expect(String(v(ctRow, '00081190'))).toMatch(new RegExp(`/dicomweb/studies/${A.studyUid}$`));
    expect((await qido('?includefield=00081030&includefield=all')).length).toBe(all.length);
  });

  it('lists series and instances of a study, and the flat forms', async () => {
    const se = (
      await t.as(s, { method: 'GET', url: `/dicomweb/studies/${A.studyUid}/series` })
    ).json() as J[];
    expect(se.map((x) => v(x, '0020000E'))).toEqual([A.seriesUid]);
    expect(v(se[0]!, '00080060')).toBe('CT');
    const inst = (
      await t.as(s, { method: 'GET', url: `/dicomweb/studies/${A.studyUid}/series/${A.seriesUid}/instances` })
    ).json() as J[];
    expect(inst.map((x) => v(x, '00200013'))).toEqual(ct.map((_f, i) => i + 1));
    const flat = (await t.as(s, { method: 'GET', url: `/dicomweb/series?Modality=MR` })).json() as J[];
    expect(flat.length).toBe(1);
    const flatI = (
      await t.as(s, { method: 'GET', url: `/dicomweb/instances?SOPInstanceUID=${A.sopInstanceUid}` })
    ).json() as J[];
    expect(flatI.map((x) => v(x, '00080018'))).toEqual([A.sopInstanceUid]);
  });

  it('metadata is DICOM JSON with BulkDataURIs that resolve; frames return pixel bytes', async () => {
    const md = (
      await t.as(s, {
        method: 'GET',
        url: `/dicomweb/studies/${A.studyUid}/series/${A.seriesUid}/instances/${A.sopInstanceUid}/metadata`,
      })
    ).json() as J[];
    expect(md).toHaveLength(1);
    const ds = md[0]!;
    expect(v(ds, '00080018')).toBe(A.sopInstanceUid);
    expect(v(ds, '00280010')).toBe(A.rows);
    const px = ds['7FE00010']!;
    expect(px.BulkDataURI).toMatch(/\/frames\/1$/);
    const fr = await t.as(s, { method: 'GET', url: px.BulkDataURI!.replace(/^https?:\/\/[^/]+/, '') });
    expect(fr.statusCode).toBe(200);
    expect(fr.headers['content-type']).toMatch(/multipart\/related; type="application\/octet-stream"/);
    const parts = splitMultipart(fr.rawPayload, String(fr.headers['content-type']));
    expect(parts[0]!.body.length).toBe(A.rows! * A.columns! * (A.bitsAllocated! / 8));
  });

  it('frames of a multi-frame instance and of a JPEG instance', async () => {
    const mf = parsePart10(file('generated/mf16.dcm'));
    const jp = parsePart10(file('generated/ts/jpeg_baseline.dcm'));
    if (!mf.ok || !jp.ok) throw new Error('corpus');
    const base = (a: typeof mf.attrs) =>
      `/dicomweb/studies/${a.studyUid}/series/${a.seriesUid}/instances/${a.sopInstanceUid}`;
    const r = await t.as(s, { method: 'GET', url: `${base(mf.attrs)}/frames/1,3` });
    const parts = splitMultipart(r.rawPayload, String(r.headers['content-type']));
    expect(parts).toHaveLength(2);
    expect(parts[0]!.body.length).toBe(mf.attrs.rows! * mf.attrs.columns! * 2);
    expect(Buffer.compare(parts[0]!.body, parts[1]!.body)).not.toBe(0);
    expect((await t.as(s, { method: 'GET', url: `${base(mf.attrs)}/frames/4` })).statusCode).toBe(404);
    const j = await t.as(s, { method: 'GET', url: `${base(jp.attrs)}/frames/1` });
    const jparts = splitMultipart(j.rawPayload, String(j.headers['content-type']));
    expect(jparts[0]!.headers).toMatch(/image\/jpeg; transfer-syntax=1\.2\.840\.10008\.1\.2\.4\.50/);
    expect([...jparts[0]!.body.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it('WADO-URI returns the stored file byte-identical', async () => {
    const r = await t.as(s, {
      method: 'GET',
      url: `/wado?requestType=WADO&studyUID=${A.studyUid}&seriesUID=${A.seriesUid}&objectUID=${A.sopInstanceUid}&contentType=application%2Fdicom`,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/dicom');
    expect(Buffer.compare(r.rawPayload, fs.readFileSync(ct[0]!.abs))).toBe(0);
    const bad = await t.as(s, {
      method: 'GET',
      url: `/wado?requestType=WADO&studyUID=${A.studyUid}&seriesUID=${A.seriesUid}&objectUID=${A.sopInstanceUid}&contentType=image%2Fjpeg`,
    });
    expect(bad.statusCode).toBe(415);
  });

  it('STOW to /studies/{uid} rejects an instance of another study and reports a mix as 202', async () => {
    const { body, contentType } = stowBody([
      fs.readFileSync(ct[1]!.abs),
      file('generated/dx.dcm'),
      Buffer.from('not dicom at all'),
    ]);
    const r = await t.as(s, {
      method: 'POST',
      url: `/dicomweb/studies/${A.studyUid}`,
      headers: { 'content-type': contentType },
      payload: body,
    });
    expect(r.statusCode).toBe(202);
    const j = r.json();
    expect(j['00081199'].Value).toHaveLength(1);
    const reasons = (j['00081198'].Value as J[]).map((x) => String(v(x, '00000902')));
    expect(reasons[0]).toMatch(/does not match the study/);
    expect(reasons[1]).toMatch(/not a DICOM/);
  });
});
