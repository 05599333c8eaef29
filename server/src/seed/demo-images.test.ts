import { describe, expect, it } from 'vitest';
import { parsePart10 } from '../imaging/dicom';
import { CT_IMAGE_STORAGE, DEMO_SIZE, demoCtStudy, phantomHu } from './demo-images';

const patient = {
  name: '刘建国',
  patientId: 'DEMO41022519570314',
  sex: 'male' as const,
  birthDate: '1957-03-14',
};
const study = {
  daysAgo: 3,
  description: '胸部CT平扫',
  seriesDescription: '胸部 5mm 轴位',
  bodyPart: 'CHEST',
  slices: 4,
};

describe('synthetic demo CT studies', () => {
  const today = new Date('2026-03-04T08:00:00Z');
  const { studyUid, files } = demoCtStudy(patient, study, today);
  const parsed = files.map((f) => {
    const r = parsePart10(f);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  });

  it('are valid Part 10 CT images the ingest parser reads, one study and series, slices numbered', () => {
    expect(parsed).toHaveLength(4);
    expect(new Set(parsed.map((a) => a.studyUid))).toEqual(new Set([studyUid]));
    expect(new Set(parsed.map((a) => a.seriesUid)).size).toBe(1);
    expect(new Set(parsed.map((a) => a.sopInstanceUid)).size).toBe(4);
    expect(parsed.map((a) => a.instanceNumber)).toEqual([1, 2, 3, 4]);
    for (const a of parsed) {
      expect(a).toMatchObject({
        sopClassUid: CT_IMAGE_STORAGE,
        transferSyntaxUid: '1.2.840.10008.1.2.1',
        modality: 'CT',
        rows: DEMO_SIZE,
        columns: DEMO_SIZE,
        bitsAllocated: 16,
        frames: 1,
        bodyPart: 'CHEST',
        studyDescription: '胸部CT平扫',
        seriesDescription: '胸部 5mm 轴位',
      });
      expect(a.studyUid).toMatch(/^2\.25\.\d+$/);
    }
  });

  it("carry the demo patient's name (UTF-8), ID, sex, birth date and the acquisition date", () => {
    for (const a of parsed) {
      expect(a.patientName).toBe('刘建国');
      expect(a.patientId).toBe('DEMO41022519570314');
      expect(a.sex).toBe('M');
      expect(a.birthDate).toBe('19570314');
      expect(a.studyDate).toBe('20260301');
    }
    const female = demoCtStudy({ ...patient, sex: 'female' }, { ...study, slices: 1 }, today).files[0]!;
    expect(parsePart10(female)).toMatchObject({ ok: true, attrs: { sex: 'F' } });
  });

  it('hold the phantom as pixel data: air outside, water in the body, a dense lesion that moves', () => {
    const pixels = (f: Buffer) => f.subarray(f.length - DEMO_SIZE * DEMO_SIZE * 2);
    const hu = (f: Buffer, x: number, y: number) => pixels(f).readUInt16LE((y * DEMO_SIZE + x) * 2) - 1024;
    for (const [k, f] of files.entries()) {
      expect(hu(f, 0, 0)).toBe(-1000);
      for (let y = 0; y < DEMO_SIZE; y += 7)
        for (let x = 0; x < DEMO_SIZE; x += 7) expect(hu(f, x, y)).toBe(phantomHu(x, y, k, 4));
    }
    const lesion = (k: number) => {
      const at: number[] = [];
      for (let i = 0; i < DEMO_SIZE * DEMO_SIZE; i++)
        if (phantomHu(i % DEMO_SIZE, Math.floor(i / DEMO_SIZE), k, 4) > 50) at.push(i);
      return at;
    };
    expect(lesion(0).length).toBeGreaterThan(50);
    expect(lesion(0)).not.toEqual(lesion(1));
    // Different studies never share UIDs.
    expect(demoCtStudy(patient, study, today).studyUid).not.toBe(studyUid);
  });
});
