import fs from 'node:fs';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { COMPREHENSIVE_SR } from './sr';
import { CT_SERIES, splitMultipart, stowAs } from './testkit';

describe.each(DIALECTS)('annotations and SR export (%s)', (dialect) => {
  let t: TestApp;
  let author: Session;
  let colleague: Session;
  let studyId: string;
  let studyUid: string;
  let sops: string[];

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    author = await t.login('lankao.doctor');
    // A second user of the same hospital.
    const hid = author.hospitalId!;
    const other = await t.db
      .selectFrom('users')
      .select('username')
      .where('hospital_id', '=', hid)
      .where('username', '!=', 'lankao.doctor')
      .executeTakeFirst();
    colleague = other ? await t.login(other.username) : author;
    const r = await stowAs(
      t,
      author,
      CT_SERIES()
        .filter((f) => f.path.includes('slice_'))
        .map((f) => fs.readFileSync(f.abs)),
    );
    expect(r.statusCode).toBe(200);
    const list = (await t.as(author, { method: 'GET', url: '/api/imaging/studies' })).json();
    studyId = list[0].id;
    studyUid = list[0].studyInstanceUid;
    const detail = (await t.as(author, { method: 'GET', url: `/api/imaging/studies/${studyId}` })).json();
    sops = detail.series[0].instances.map((i: { sopInstanceUid: string }) => i.sopInstanceUid);
  });
  afterAll(async () => t?.close());

  const length = {
    points: [
      [10, 20],
      [110, 20],
    ],
  };

  it('creates, lists (with author and version), edits with a version check and deletes', async () => {
    const c = await t.as(author, {
      method: 'POST',
      url: `/api/imaging/studies/${studyId}/annotations`,
      payload: { sopInstanceUid: sops[6], frame: 0, tool: 'Length', ...length },
    });
    expect(c.statusCode).toBe(201);
    const a = c.json();
    expect(a).toMatchObject({ tool: 'Length', version: 1, authorId: author.userId, sopInstanceUid: sops[6] });
    // measured by the server from the image's PixelSpacing, whatever the client thought
    expect(a.measurements).toHaveLength(1);
    expect(a.measurements[0]).toMatchObject({ kind: 'length', unit: 'mm' });
    const list = (
      await t.as(author, { method: 'GET', url: `/api/imaging/studies/${studyId}/annotations` })
    ).json();
    expect(list.map((x: { id: string }) => x.id)).toContain(a.id);
    const u = await t.as(author, {
      method: 'PUT',
      url: `/api/imaging/annotations/${a.id}`,
      payload: {
        points: [
          [10, 20],
          [210, 20],
        ],
        version: 1,
      },
    });
    expect(u.statusCode).toBe(200);
    expect(u.json()).toMatchObject({
      version: 2,
      points: [
        [10, 20],
        [210, 20],
      ],
    });
    expect(u.json().measurements[0].value).toBeCloseTo(a.measurements[0].value * 2, 6);
    const stale = await t.as(author, {
      method: 'PUT',
      url: `/api/imaging/annotations/${a.id}`,
      payload: { ...length, version: 1 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(/version 2/);
    expect(
      (await t.as(author, { method: 'DELETE', url: `/api/imaging/annotations/${a.id}?version=1` }))
        .statusCode,
    ).toBe(409);
    expect(
      (await t.as(author, { method: 'DELETE', url: `/api/imaging/annotations/${a.id}?version=2` }))
        .statusCode,
    ).toBe(200);
    expect(
      (await t.as(author, { method: 'GET', url: `/api/imaging/studies/${studyId}/annotations` })).json(),
    ).toEqual([]);
  });

  it('only the author may change an annotation; others with access see it', async () => {
    if (colleague === author) return;
    const a = (
      await t.as(author, {
        method: 'POST',
        url: `/api/imaging/studies/${studyId}/annotations`,
        payload: {
          sopInstanceUid: sops[0],
          frame: 0,
          tool: 'Probe',
          points: [[5, 5]],
        },
      })
    ).json();
    expect(
      (await t.as(colleague, { method: 'GET', url: `/api/imaging/studies/${studyId}/annotations` }))
        .json()
        .map((x: { id: string }) => x.id),
    ).toContain(a.id);
    expect(
      (
        await t.as(colleague, {
          method: 'PUT',
          url: `/api/imaging/annotations/${a.id}`,
          payload: { points: [[6, 6]], version: 1 },
        })
      ).json(),
    ).toMatchObject({ statusCode: 403, code: 'not_author', message: /only the author/ });
    const del = await t.as(colleague, {
      method: 'DELETE',
      url: `/api/imaging/annotations/${a.id}?version=1`,
    });
    expect(del.statusCode).toBe(403);
    expect(del.json().code).toBe('not_author');
  });

  it('rejects an instance outside the study, a frame out of range, an unknown tool, wrong geometry', async () => {
    const two = [
      [1, 1],
      [2, 2],
    ];
    const bad: [object, RegExp][] = [
      [{ sopInstanceUid: '1.2.3', frame: 0, tool: 'Length', points: two }, /not part of this study/],
      [{ sopInstanceUid: sops[0], frame: 3, tool: 'Length', points: two }, /beyond/],
      [{ sopInstanceUid: sops[0], frame: 0, tool: 'Scissors', points: two }, /tool/],
      [{ sopInstanceUid: sops[0], frame: 0, tool: 'Angle', points: two }, /Angle mark has 3 point/],
      [{ sopInstanceUid: sops[0], frame: 0, tool: 'Length', data: {} }, /points|data/],
    ];
    for (const [payload, why] of bad) {
      const r = await t.as(author, {
        method: 'POST',
        url: `/api/imaging/studies/${studyId}/annotations`,
        payload,
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message).toMatch(why);
    }
  });

  it('exports the measurements as a TID 1500 SR that dicom-parser reads and QIDO lists', async () => {
    await t.as(author, {
      method: 'POST',
      url: `/api/imaging/studies/${studyId}/annotations`,
      payload: { sopInstanceUid: sops[6], frame: 0, tool: 'Length', ...length },
    });
    const roi = await t.as(author, {
      method: 'POST',
      url: `/api/imaging/studies/${studyId}/annotations`,
      payload: {
        sopInstanceUid: sops[2],
        frame: 0,
        tool: 'EllipticalRoi',
        points: [
          [1, 1],
          [41, 21],
        ],
      },
    });
    const stored = (roi.json().measurements as { kind: string; value: number }[]).map((m) => m.value);
    expect(roi.json().measurements.map((m: { kind: string }) => m.kind)).toEqual(['area', 'mean', 'sd']);
    const r = await t.as(author, { method: 'POST', url: `/api/imaging/studies/${studyId}/sr` });
    expect(r.statusCode).toBe(201);
    const { sopInstanceUid, seriesInstanceUid, measurements } = r.json();
    expect(measurements).toBeGreaterThanOrEqual(2);
    const q = (
      await t.as(author, { method: 'GET', url: `/dicomweb/studies/${studyUid}/series?Modality=SR` })
    ).json();
    expect(q.map((x: Record<string, { Value: string[] }>) => x['0020000E']!.Value[0])).toEqual([
      seriesInstanceUid,
    ]);
    const w = await t.as(author, {
      method: 'GET',
      url: `/dicomweb/studies/${studyUid}/series/${seriesInstanceUid}/instances/${sopInstanceUid}`,
    });
    const bytes = splitMultipart(w.rawPayload, String(w.headers['content-type']))[0]!.body;
    const ds = dicomParser.parseDicom(new Uint8Array(bytes));
    expect(ds.string('x00080016')).toBe(COMPREHENSIVE_SR);
    expect(ds.string('x0020000d')).toBe(studyUid);
    expect(ds.elements.x0040a504!.items![0]!.dataSet!.string('x0040db00')).toBe('1500');
    const content = ds.elements.x0040a730!.items!.map((i) => i.dataSet!);
    const meas = content.find(
      (c) => c.elements.x0040a043!.items![0]!.dataSet!.string('x00080100') === '126010',
    )!;
    const groups = meas.elements.x0040a730!.items!;
    expect(groups.length).toBe(measurements);
    const nums = groups
      .flatMap((g) => g.dataSet!.elements.x0040a730!.items!.map((i) => i.dataSet!))
      .filter((d) => d.string('x0040a040') === 'NUM');
    const values = nums.map((n) => Number(n.elements.x0040a300!.items![0]!.dataSet!.string('x0040a30a')));
    for (const v of stored) expect(values.some((x) => Math.abs(x - v) <= Math.abs(v) * 1e-9)).toBe(true);
  });
});
