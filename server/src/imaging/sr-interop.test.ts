/**
 * Measurement reports across systems. The TID 1500 export, checked by an independent validator: dciodvfy
 * (dicom3tools) reports no error on SR documents exported from measurements on corpus images (CT and MR, single-
 * and multi-frame), and the document carries the header modules and the Image Library group validators look for.
 * And a report made elsewhere (written by dcmtk's dump2dcm, Implicit VR, TID 1410-style group) comes back as
 * read-only marks on the images it refers to, like our own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parseDataSet, text } from './dicom';
import { CORPUS, CT_SERIES, splitMultipart, stowAs } from './testkit';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-dciodvfy-'));

/** dciodvfy's error lines for a file (it prints "Error - …" for each; warnings are not counted). */
function validatorErrors(file: string): string[] {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^Error/.test(l.trim()));
}

describe('SR export validated by dciodvfy, SR from elsewhere read as marks', () => {
  let t: TestApp;
  let doctor: Session;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    doctor = await t.login('lankao.doctor');
  }, 120_000);
  afterAll(async () => t?.close());

  /** Upload files, measure on the first instance, export the SR and fetch it back. */
  async function exportFrom(files: string[], tools: { tool: string; points: number[][]; text?: string }[]) {
    const r = await stowAs(
      t,
      doctor,
      files.map((f) => fs.readFileSync(f)),
    );
    expect(r.statusCode, r.body).toBe(200);
    const sop = r.json()['00081199'].Value[0]['00081155'].Value[0] as string;
    const row = (
      await t.as(doctor, { method: 'GET', url: `/dicomweb/instances?SOPInstanceUID=${sop}` })
    ).json()[0];
    const studyUid = row['0020000D'].Value[0] as string;
    const list = (await t.as(doctor, { method: 'GET', url: '/api/imaging/studies' })).json() as {
      id: string;
      studyInstanceUid: string;
    }[];
    const studyId = list.find((s) => s.studyInstanceUid === studyUid)!.id;
    for (const a of tools) {
      const c = await t.as(doctor, {
        method: 'POST',
        url: `/api/imaging/studies/${studyId}/annotations`,
        payload: { sopInstanceUid: sop, frame: 0, ...a },
      });
      expect(c.statusCode, c.body).toBe(201);
    }
    const e = await t.as(doctor, { method: 'POST', url: `/api/imaging/studies/${studyId}/sr` });
    expect(e.statusCode, e.body).toBe(201);
    const { sopInstanceUid, seriesInstanceUid } = e.json();
    const w = await t.as(doctor, {
      method: 'GET',
      url: `/dicomweb/studies/${studyUid}/series/${seriesInstanceUid}/instances/${sopInstanceUid}`,
      headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
    });
    const bytes = splitMultipart(w.rawPayload, String(w.headers['content-type']))[0]!.body;
    const file = path.join(tmp, `${sopInstanceUid}.dcm`);
    fs.writeFileSync(file, bytes);
    return file;
  }

  // Marks in the shared annotation model: points in image pixels; the server measures them.
  const length = {
    tool: 'Length',
    points: [
      [10, 20],
      [110, 20],
    ],
  };
  const ellipse = {
    tool: 'EllipticalRoi',
    points: [
      [1, 1],
      [41, 21],
    ],
  };
  const arrow = {
    tool: 'ArrowAnnotate',
    points: [
      [5, 5],
      [30, 30],
    ],
    text: '结节 nodule',
  };

  it('exports from a CT series pass with 0 errors and carry the header modules and Image Library', async () => {
    const ct = CT_SERIES()
      .filter((f) => f.path.includes('slice_'))
      .map((f) => f.abs);
    const file = await exportFrom(ct, [length, ellipse, arrow]);
    expect(validatorErrors(file)).toEqual([]);
    const ds = parseDataSet(fs.readFileSync(file));
    // SR Document General: performed procedure (empty sequences are present) and the Image Library group.
    expect(ds.elements.x00081111).toBeDefined();
    expect(ds.elements.x0040a372).toBeDefined();
    const dump = execFileSync('dcmdump', ['+L', file], { encoding: 'utf8' });
    expect(dump).toContain('Image Library Group');
    expect(text(ds, 'x00080060')).toBe('SR');
  });

  it('exports from MR and multi-frame images pass too', async () => {
    for (const f of ['deb-pydicom/test_files/MR_small.dcm', 'generated/mf16_jls.dcm']) {
      const file = await exportFrom([path.join(CORPUS, f)], [length, ellipse]);
      expect(validatorErrors(file), f).toEqual([]);
    }
  });

  it('reads a report made elsewhere as read-only marks on its images', async () => {
    const ct = CT_SERIES().filter((f) => f.path.includes('slice_'));
    const file = await exportFrom([ct[0]!.abs], [length]);
    const ours = parseDataSet(fs.readFileSync(file));
    const image = parseDataSet(fs.readFileSync(ct[0]!.abs));
    const dump = fs
      .readFileSync(path.join(import.meta.dirname, 'fixtures/external-sr.dump'), 'utf8')
      .replace('@SOP@', `${text(ours, 'x00080018')}.1`)
      .replace('@SERIES@', `${text(ours, 'x0020000e')}.1`)
      .replace('@STUDY@', text(ours, 'x0020000d'))
      .replace('@NAME@', text(image, 'x00100010'))
      .replace('@PID@', text(image, 'x00100020'))
      .replace('@IMAGE@', text(image, 'x00080018'));
    fs.writeFileSync(path.join(tmp, 'external.dump'), dump);
    execFileSync('dump2dcm', ['+ti', path.join(tmp, 'external.dump'), path.join(tmp, 'external.dcm')]);
    expect((await stowAs(t, doctor, [fs.readFileSync(path.join(tmp, 'external.dcm'))])).statusCode).toBe(200);
    const list = (await t.as(doctor, { method: 'GET', url: '/api/imaging/studies' })).json() as {
      id: string;
      studyInstanceUid: string;
    }[];
    const studyId = list.find((s) => s.studyInstanceUid === text(ours, 'x0020000d'))!.id;
    const r = await t.as(doctor, { method: 'GET', url: `/api/imaging/studies/${studyId}/sr-marks` });
    expect(r.statusCode).toBe(200);
    const marks = r.json() as {
      srSopInstanceUid: string;
      sopInstanceUid: string;
      label: string;
      points: unknown[];
      values: { value: number; unit: string }[];
    }[];
    const external = marks.find((m) => m.srSopInstanceUid === `${text(ours, 'x00080018')}.1`)!;
    expect(external).toMatchObject({
      sopInstanceUid: text(image, 'x00080018'),
      label: 'Long Axis',
      points: [
        { x: 10, y: 20 },
        { x: 50, y: 60 },
      ],
      values: [{ value: 42.5, unit: 'mm' }],
    });
    const own = marks.find((m) => m.srSopInstanceUid === text(ours, 'x00080018'))!;
    // Our own export reads back with the length the server measured: 100 px along a row × the column spacing.
    const spacing = Number(text(image, 'x00280030').split('\\')[1]);
    expect(own.values[0]!.value).toBeCloseTo(100 * spacing, 3);
    // Another hospital sees nothing of it.
    const outsider = await t.login('wanquan.doctor');
    expect(
      (await t.as(outsider, { method: 'GET', url: `/api/imaging/studies/${studyId}/sr-marks` })).statusCode,
    ).toBe(404);
  });
});
