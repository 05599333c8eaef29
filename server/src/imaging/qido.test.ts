import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { forgetHeaders, headerStats } from './header';
import { DEFAULTS } from './qidofields';
import { corpusFiles, CT_SERIES, stowAs } from './testkit';

/** QIDO-RS return attributes (PS3.18 §8.3.4 includefield, §10.6.3.3) on the shared corpus. */
const file = (p: string) => fs.readFileSync(corpusFiles().find((f) => f.path === p)!.abs);
const attrs = (p: string) => {
  const r = parsePart10(file(p));
  if (!r.ok) throw new Error(`corpus ${p}: ${r.reason}`);
  return r.attrs;
};
type J = Record<string, { vr: string; Value?: unknown[] }>;
const v = (ds: J, tag: string) => ds[tag]?.Value?.[0];
const keys = (ds: J) => Object.keys(ds).sort();
const sorted = (tags: string[]) => [...new Set(tags)].sort();

describe.each(DIALECTS)('QIDO-RS includefield (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  const slices = CT_SERIES().filter((f) => f.path.includes('slice_'));
  const ct = attrs(slices[0]!.path);
  // CT_small: GE private elements, Patient Age, Timezone Offset, equipment attributes (none of them indexed).
  const small = attrs('deb-pydicom/test_files/CT_small.dcm');
  const mr = attrs('deb-pydicom/test_files/MR_small.dcm');

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    const r = await stowAs(t, s, [
      ...slices.map((f) => fs.readFileSync(f.abs)),
      file('deb-pydicom/test_files/CT_small.dcm'),
      file('deb-pydicom/test_files/MR_small.dcm'),
      file('npm-jpeg-lossless-decoder-js/jpeg_lossless_sel1-8bit.dcm'),
    ]);
    expect(r.statusCode).toBe(200);
    forgetHeaders();
  });
  afterAll(async () => t?.close());

  const get = async (url: string) => {
    const r = await t.as(s, { method: 'GET', url });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json() as J[];
  };
  /** Results and how many stored blobs were parsed to build them. */
  const counted = async (url: string) => {
    const before = headerStats.reads;
    const rows = await get(url);
    return { rows, reads: headerStats.reads - before };
  };
  const studyOf = (rows: J[], uid: string) => rows.find((x) => v(x, '0020000D') === uid)!;
  const seriesUrl = (a: typeof ct) => `/dicomweb/studies/${a.studyUid}/series/${a.seriesUid}`;

  it('returns exactly the required attributes of each level by default, from the index alone', async () => {
    const { rows: studies, reads } = await counted('/dicomweb/studies');
    expect(studies).toHaveLength(4);
    expect(reads).toBe(0);
    for (const x of studies) expect(keys(x)).toEqual(sorted(DEFAULTS.study));
    expect(v(studyOf(studies, small.studyUid), '00080056')).toBe('ONLINE');

    const series = await get(`/dicomweb/studies/${ct.studyUid}/series`);
    expect(keys(series[0]!)).toEqual(sorted(DEFAULTS.series));
    const inst = await get(`${seriesUrl(ct)}/instances`);
    expect(inst).toHaveLength(slices.length);
    for (const x of inst) expect(keys(x)).toEqual(sorted(DEFAULTS.instance));

    // All Series carries the study attributes; a study's instances the series ones; All Instances both.
    const flat = await get('/dicomweb/series?Modality=MR');
    expect(keys(flat[0]!)).toEqual(sorted([...DEFAULTS.study, ...DEFAULTS.series]));
    expect(v(flat[0]!, '00100020')).toBe(mr.patientId);
    const ofStudy = await get(`/dicomweb/studies/${ct.studyUid}/instances?limit=1`);
    expect(keys(ofStudy[0]!)).toEqual(sorted([...DEFAULTS.series, ...DEFAULTS.instance]));
    const { rows: allInst, reads: r2 } = await counted(
      `/dicomweb/instances?SOPInstanceUID=${mr.sopInstanceUid}`,
    );
    expect(keys(allInst[0]!)).toEqual(sorted([...DEFAULTS.study, ...DEFAULTS.series, ...DEFAULTS.instance]));
    expect(v(allInst[0]!, '00081190')).toMatch(new RegExp(`/instances/${mr.sopInstanceUid}$`));
    expect(r2).toBe(0);
  });

  it('adds indexed attributes named by keyword or tag without reading any blob', async () => {
    for (const q of [
      'includefield=StudyDescription',
      'includefield=00081030',
      'includefield=studydescription',
    ]) {
      const { rows, reads } = await counted(`/dicomweb/studies?${q}`);
      expect(reads, q).toBe(0);
      expect(v(studyOf(rows, small.studyUid), '00081030'), q).toBe(small.studyDescription);
      expect(keys(studyOf(rows, mr.studyUid))).toContain('00081030');
    }
    // A matching key is returned too.
    const { rows, reads } = await counted('/dicomweb/studies?StudyDescription=e*');
    expect(reads).toBe(0);
    expect(rows.map((x) => v(x, '00081030'))).toContain(small.studyDescription);
  });

  it('reads attributes the index does not keep from one stored instance per result, then from cache', async () => {
    const url =
      '/dicomweb/studies?includefield=PatientAge,TimezoneOffsetFromUTC&includefield=00101002&includefield=PatientWeight';
    const first = await counted(url);
    expect(first.rows).toHaveLength(4);
    expect(first.reads).toBeGreaterThan(0);
    expect(first.reads).toBeLessThanOrEqual(first.rows.length);
    const x = studyOf(first.rows, small.studyUid);
    expect(v(x, '00101010')).toBe('000Y');
    expect(v(x, '00080201')).toBe('-0500');
    expect(x['00101002']!.vr).toBe('SQ');
    expect((x['00101002']!.Value![0] as J)['00100020']!.Value).toEqual(['ABCD1234']);
    expect(v(studyOf(first.rows, mr.studyUid), '00101030')).toBe(80);
    // Asked for but absent from the instance: present, empty, with its dictionary VR.
    expect(studyOf(first.rows, mr.studyUid)['00101010']).toEqual({ vr: 'AS' });
    expect((await counted(url)).reads).toBe(0);
  });

  it('returns attributes of the result level or above only', async () => {
    const studies = await get('/dicomweb/studies?includefield=Modality,Rows,InstitutionName,SliceThickness');
    for (const x of studies)
      for (const tag of ['00080060', '00280010', '00080080', '00180050']) expect(x[tag]).toBeUndefined();

    const [se] = await get(
      `/dicomweb/studies/${small.studyUid}/series?includefield=StudyDescription,InstitutionName,SliceThickness`,
    );
    expect(v(se!, '00081030')).toBe(small.studyDescription);
    expect(v(se!, '00080080')).toBe('JFK IMAGING CENTER');
    expect(se!['00180050']).toBeUndefined();

    const [inst] = await get(
      `${seriesUrl(small)}/instances?includefield=SliceThickness&includefield=InstitutionName,PatientAge`,
    );
    expect(v(inst!, '00180050')).toBe(5);
    expect(v(inst!, '00080080')).toBe('JFK IMAGING CENTER');
    expect(v(inst!, '00101010')).toBe('000Y');
  });

  it('includefield=all returns every attribute of the level', async () => {
    const study = studyOf(await get('/dicomweb/studies?includefield=all'), small.studyUid);
    for (const tag of ['00081030', '00101010', '00080201', '00101002', '00101030'])
      expect(study[tag]).toBeDefined();
    for (const tag of ['00080060', '00080070', '00200032', '00280010', '00091002'])
      expect(study[tag]).toBeUndefined();

    const [se] = await get(`/dicomweb/studies/${small.studyUid}/series?includefield=all`);
    expect(v(se!, '00080070')).toBe('GE MEDICAL SYSTEMS');
    expect(v(se!, '00080021')).toBe('19970430');
    expect(v(se!, '00185100')).toBe('FFS');
    for (const tag of ['00100010', '00280010', '00180050', '00200032']) expect(se![tag]).toBeUndefined();

    const [inst] = await get(`${seriesUrl(small)}/instances?includefield=all`);
    expect(inst!['00200032']!.Value).toEqual([-158.135803, -179.035797, -75.699997]);
    expect(v(inst!, '00204000')).toBe('Uncompressed');
    expect(v(inst!, '00091002')).toBe('CT01');
    expect(v(inst!, '00083002')).toBe(small.transferSyntaxUid);
    for (const tag of Object.keys(inst!))
      expect(tag.startsWith('0002') || tag.startsWith('7FE0')).toBe(false);
    expect(inst!['00080070']).toBeUndefined();
  });

  it('returns a requested private element with its private creator', async () => {
    const [x] = await get(`/dicomweb/instances?SOPInstanceUID=${small.sopInstanceUid}&includefield=00091002`);
    expect(v(x!, '00091002')).toBe('CT01');
    expect(v(x!, '00090010')).toBe('GEMS_IDEN_01');
  });

  it('reads the whole blob when the attributes do not fit in the head it reads first', async () => {
    forgetHeaders();
    const head = headerStats.headBytes;
    headerStats.headBytes = 512;
    try {
      const [x] = await get(`${seriesUrl(small)}/instances?includefield=ImageComments,00091002`);
      expect(v(x!, '00204000')).toBe('Uncompressed');
      expect(v(x!, '00091002')).toBe('CT01');
    } finally {
      headerStats.headBytes = head;
    }
  });

  it('answers 400 naming an unknown keyword', async () => {
    for (const url of [
      '/dicomweb/studies?includefield=StudyDescription,NoSuchAttribute',
      `/dicomweb/studies/${ct.studyUid}/series?includefield=NoSuchAttribute`,
      `${seriesUrl(ct)}/instances?includefield=NoSuchAttribute`,
    ]) {
      const r = await t.as(s, { method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().message).toContain('"NoSuchAttribute"');
    }
  });
});
