/**
 * One value everywhere: for every tool of the annotation model, on a real CT (PixelSpacing, rescale to HU) and on
 * an image without PixelSpacing (pixels, raw values), the value
 *   shown   — measure() on the image as the viewer loads it (decoded here independently with dicom-parser,
 *             the attributes the client's measureImageOf reads),
 *   stored  — what the API answers after the server measured the mark from its stored pixels,
 *   exported— the NUM content items of the DICOM SR (TID 1500) export, read with dicom-parser and dsrdump,
 *   printed — the key-image legend of the signed report's PDF, read with pdftotext,
 * are the same value with the same unit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANNOTATION_TOOLS,
  intensityUnitOf,
  markLabel,
  measure,
  parsePixelSpacing,
  type Annotation,
  type AnnotationTool,
  type ImagePoint,
  type MeasureImage,
  type MeasurementUnit,
  type Report,
} from '@consult/shared';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { CORPUS, splitMultipart, stowAs } from '../imaging/testkit';
import { makeConsultation, pdfText, sampleContent } from './fixtures.test-helper';

const IMAGES = [
  { name: 'CT with PixelSpacing and rescale', file: 'deb-pydicom/test_files/CT_small.dcm', mm: true },
  { name: 'OT without PixelSpacing', file: 'deb-pydicom/charset_files/chrFren.dcm', mm: false },
] as const;

/** The image as the viewer has it: stored values, modality LUT, spacing and unit from the same attributes. */
function shownImage(bytes: Uint8Array): MeasureImage {
  const ds = dicomParser.parseDicom(bytes);
  const rows = ds.uint16('x00280010')!;
  const columns = ds.uint16('x00280011')!;
  const px = ds.elements.x7fe00010!;
  const signed = ds.uint16('x00280103') === 1;
  const bits = ds.uint16('x00280100');
  const buf = bytes.buffer.slice(
    bytes.byteOffset + px.dataOffset,
    bytes.byteOffset + px.dataOffset + px.length,
  );
  const pixels = bits === 8 ? new Uint8Array(buf) : signed ? new Int16Array(buf) : new Uint16Array(buf);
  return {
    columns,
    rows,
    pixelSpacing: parsePixelSpacing(ds.string('x00280030')),
    slope: ds.floatString('x00281053') ?? 1,
    intercept: ds.floatString('x00281052') ?? 0,
    intensityUnit: intensityUnitOf(ds.string('x00080060') ?? '', ds.string('x00281054') ?? ''),
    pixels,
  };
}

/** Geometry scaled to the image (w × h). */
function geometry(tool: AnnotationTool, w: number, h: number): ImagePoint[] {
  const at = (fx: number, fy: number): ImagePoint => [
    Math.round(fx * w * 10) / 10,
    Math.round(fy * h * 10) / 10,
  ];
  const g: Record<AnnotationTool, ImagePoint[]> = {
    Length: [at(0.1, 0.2), at(0.8, 0.65)],
    Angle: [at(0.2, 0.2), at(0.5, 0.6), at(0.85, 0.3)],
    EllipticalRoi: [at(0.3, 0.3), at(0.7, 0.6)],
    RectangleRoi: [at(0.2, 0.25), at(0.55, 0.7)],
    FreehandRoi: [at(0.2, 0.2), at(0.8, 0.3), at(0.6, 0.8), at(0.25, 0.6)],
    Probe: [at(0.52, 0.47)],
    ArrowAnnotate: [at(0.4, 0.4), at(0.7, 0.75)],
  };
  return g[tool];
}

const UCUM: Record<MeasurementUnit, string> = {
  mm: 'mm',
  mm2: 'mm2',
  deg: 'deg',
  HU: "[hnsf'U]",
  px: '{pixel}',
  px2: '{pixel}2',
  raw: '1',
};

interface SrNum {
  concept: string;
  value: number;
  unit: string;
}

/** Every measurement group of the SR: its tracking id text and NUM items (concept meaning, value, UCUM code). */
function srGroups(bytes: Uint8Array): { tracking: string; nums: SrNum[] }[] {
  const ds = dicomParser.parseDicom(bytes);
  const code = (d: dicomParser.DataSet, tag: string) => d.elements[tag]!.items![0]!.dataSet!;
  const content = ds.elements.x0040a730!.items!.map((i) => i.dataSet!);
  const meas = content.find((c) => code(c, 'x0040a043').string('x00080100') === '126010')!;
  return meas.elements.x0040a730!.items!.map((g) => {
    const items = g.dataSet!.elements.x0040a730!.items!.map((i) => i.dataSet!);
    return {
      tracking: items.find((d) => d.string('x0040a040') === 'TEXT')?.string('x0040a160') ?? '',
      nums: items
        .filter((d) => d.string('x0040a040') === 'NUM')
        .map((d) => {
          const mv = code(d, 'x0040a300');
          return {
            concept: code(d, 'x0040a043').string('x00080104')!,
            value: Number(mv.string('x0040a30a')),
            unit: code(mv, 'x004008ea').string('x00080100')!,
          };
        }),
    };
  });
}

const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(1e-9, Math.abs(b) * 1e-10);

describe('one annotation value: shown = stored = SR = PDF, per tool and image', () => {
  let t: TestApp;
  let county: Session;
  let cardio: Session;
  const marks: {
    image: (typeof IMAGES)[number];
    tool: AnnotationTool;
    shown: MeasureImage;
    stored: Annotation;
  }[] = [];
  const srBytes: Uint8Array[] = [];
  let pdf = '';

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
    const { consultationId } = await makeConsultation(t.db);
    const keyImages = [];
    for (const image of IMAGES) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(CORPUS, image.file)));
      const stow = await stowAs(t, county, [bytes]);
      expect(stow.statusCode, stow.body).toBe(200);
      const ds = dicomParser.parseDicom(bytes);
      const studyUid = ds.string('x0020000d')!;
      const sop = ds.string('x00080018')!;
      const studies = (await t.as(county, { method: 'GET', url: '/api/imaging/studies' })).json();
      const study = studies.find((s: { studyInstanceUid: string }) => s.studyInstanceUid === studyUid);
      await t.db
        .insertInto('consultation_studies')
        .values({ consultation_id: consultationId, study_instance_uid: studyUid, linked_by: county.userId })
        .execute();
      const shown = shownImage(bytes);
      const ids: string[] = [];
      for (const tool of ANNOTATION_TOOLS) {
        const r = await t.as(cardio, {
          method: 'POST',
          url: `/api/imaging/studies/${study.id}/annotations`,
          payload: {
            sopInstanceUid: sop,
            frame: 0,
            tool,
            points: geometry(tool, shown.columns, shown.rows),
            ...(tool === 'ArrowAnnotate' ? { text: `结节 ${image.mm ? 'CT' : 'OT'}` } : {}),
          },
        });
        expect(r.statusCode, r.body).toBe(201);
        marks.push({ image, tool, shown, stored: r.json() });
        ids.push(r.json().id);
      }
      keyImages.push({
        studyInstanceUid: studyUid,
        sopInstanceUid: sop,
        frame: 1,
        annotationIds: ids,
        caption: image.name,
      });
      const sr = await t.as(cardio, { method: 'POST', url: `/api/imaging/studies/${study.id}/sr` });
      expect(sr.statusCode, sr.body).toBe(201);
      const { sopInstanceUid, seriesInstanceUid } = sr.json();
      const w = await t.as(cardio, {
        method: 'GET',
        url: `/dicomweb/studies/${studyUid}/series/${seriesInstanceUid}/instances/${sopInstanceUid}`,
      });
      srBytes.push(new Uint8Array(splitMultipart(w.rawPayload, String(w.headers['content-type']))[0]!.body));
    }
    const reportId = (
      (
        await t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
      ).json() as Report
    ).id;
    const put = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${reportId}/draft`,
      payload: { content: { ...sampleContent(), keyImages }, baseRevision: 0 },
    });
    expect(put.statusCode, put.body).toBe(200);
    const signed = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(signed.statusCode, signed.body).toBe(200);
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf` });
    expect(res.statusCode).toBe(200);
    pdf = pdfText(res.rawPayload);
    if (process.env.SHOW_PDF) console.log(pdf);
  });
  afterAll(async () => t?.close());

  const cases = IMAGES.flatMap((image) => ANNOTATION_TOOLS.map((tool) => [image.name, tool] as const));

  it.each(cases)('%s · %s', (imageName, tool) => {
    const m = marks.find((x) => x.image.name === imageName && x.tool === tool)!;
    const image = m.image;
    const shown = measure(tool, m.stored.points, m.shown);
    // shown = stored, value and unit
    expect(m.stored.measurements.map((v) => [v.kind, v.unit])).toEqual(shown.map((v) => [v.kind, v.unit]));
    m.stored.measurements.forEach((v, i) => expect(close(v.value, shown[i]!.value), `${v.kind}`).toBe(true));
    // units: mm only with PixelSpacing, HU only with the CT modality LUT
    for (const v of m.stored.measurements) {
      if (v.kind === 'length') expect(v.unit).toBe(image.mm ? 'mm' : 'px');
      if (v.kind === 'area') expect(v.unit).toBe(image.mm ? 'mm2' : 'px2');
      if (v.kind === 'mean' || v.kind === 'sd' || v.kind === 'value')
        expect(v.unit).toBe(image.mm ? 'HU' : 'raw');
    }
    const expected: Record<AnnotationTool, string[]> = {
      Length: ['length'],
      Angle: ['angle'],
      EllipticalRoi: ['area', 'mean', 'sd'],
      RectangleRoi: ['area', 'mean', 'sd'],
      FreehandRoi: ['area', 'mean', 'sd'],
      Probe: ['value'],
      ArrowAnnotate: [],
    };
    expect(m.stored.measurements.map((v) => v.kind)).toEqual(expected[tool]);

    // exported: the SR group of this mark carries the stored values with their UCUM units
    const sr = srGroups(srBytes[IMAGES.indexOf(image)]!);
    const k = ANNOTATION_TOOLS.indexOf(tool);
    const group = sr.filter((g) => g.tracking.startsWith(tool))[0] ?? sr[k]!;
    expect(group.nums.map((n) => n.unit)).toEqual(m.stored.measurements.map((v) => UCUM[v.unit]));
    group.nums.forEach((n, i) => expect(close(n.value, m.stored.measurements[i]!.value)).toBe(true));

    // printed: the legend line of the key image in the PDF, written by the model's formatter
    const label = markLabel(m.stored, 'zh-CN');
    expect(label.length).toBeGreaterThan(0);
    expect(pdf).toContain(`${k + 1}. ${label}`);
    if (!image.mm && m.stored.measurements.some((v) => v.kind === 'length' || v.kind === 'area'))
      expect(label).toMatch(/像素/);
    if (!image.mm) expect(label).not.toMatch(/mm/);
  });

  it('dsrdump (dcmtk) reads the same numbers from the SR', () => {
    for (const [i, bytes] of srBytes.entries()) {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sr-')), 'sr.dcm');
      fs.writeFileSync(file, bytes);
      const dump = execFileSync('dsrdump', ['-Ee', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      if (process.env.SHOW_PDF) console.log(dump);
      fs.rmSync(path.dirname(file), { recursive: true });
      const numbers = [...dump.matchAll(/NUM:\([^)]*\)="([^"]+)" \(([^,]+),UCUM/g)].map((x) => [
        Number(x[1]),
        x[2],
      ]);
      const stored = marks
        .filter((m) => m.image === IMAGES[i])
        .flatMap((m) => m.stored.measurements.map((v) => [v.value, UCUM[v.unit]] as const));
      expect(numbers).toHaveLength(stored.length);
      stored.forEach(([v, unit], j) => {
        expect(numbers[j]![1]).toBe(unit);
        expect(close(numbers[j]![0] as number, v)).toBe(true);
      });
    }
  });
});
