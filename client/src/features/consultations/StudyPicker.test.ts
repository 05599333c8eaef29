import { describe, expect, it } from 'vitest';
import type { StudySummary } from '@consult/shared';
import { filterStudies, studyDate } from './StudyPicker';

const study = (over: Partial<StudySummary>): StudySummary => ({
  id: crypto.randomUUID(),
  hospitalId: '00000000-0000-4000-8000-000000000001',
  studyInstanceUid: `2.25.${Math.floor(Math.random() * 1e12)}`,
  patientName: '',
  patientId: '',
  patientSex: '',
  patientBirthDate: '',
  studyDate: '',
  accessionNumber: '',
  description: '',
  modalities: [],
  numSeries: 1,
  numInstances: 1,
  caseId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const liuCt = study({
  patientName: '刘建国',
  patientId: 'P1',
  studyDate: '20260301',
  description: '胸部CT平扫',
  modalities: ['CT'],
});
const liuMr = study({
  patientName: '刘建国',
  patientId: 'P1',
  studyDate: '20251110',
  description: '头颅MR',
  modalities: ['MR'],
});
const chen = study({
  patientName: '陈桂兰',
  patientId: 'P2',
  studyDate: '20260215',
  description: '腹部CT',
  modalities: ['CT', 'SR'],
});
const undated = study({
  patientName: 'Anon^Test',
  patientId: 'X9',
  description: 'Phantom',
  modalities: ['OT'],
});
const all = [liuMr, chen, undated, liuCt];

describe('study picker', () => {
  it('filters by patient name, patient ID or description, case-insensitively, and by modality', () => {
    const f = (text: string, modality = '') => filterStudies(all, { text, modality, sort: 'date-desc' });
    expect(f('刘建国')).toEqual([liuCt, liuMr]);
    expect(f('p2')).toEqual([chen]);
    expect(f('  ct ')).toEqual([liuCt, chen]);
    expect(f('anon')).toEqual([undated]);
    expect(f('', 'CT')).toEqual([liuCt, chen]);
    expect(f('刘建国', 'MR')).toEqual([liuMr]);
    expect(f('nobody')).toEqual([]);
    expect(f('')).toHaveLength(4);
  });
  it('orders by date either way (undated last when newest first) or by patient', () => {
    expect(filterStudies(all, { text: '', modality: '', sort: 'date-desc' })).toEqual([
      liuCt,
      chen,
      liuMr,
      undated,
    ]);
    expect(filterStudies(all, { text: '', modality: '', sort: 'date-asc' })).toEqual([
      undated,
      liuMr,
      chen,
      liuCt,
    ]);
    const byName = filterStudies(all, { text: '', modality: '', sort: 'patient' }).map((s) => s.patientName);
    // Chinese names in pinyin order (陈 chen before 刘 liu), one patient's studies together.
    expect(byName.indexOf('陈桂兰')).toBeLessThan(byName.indexOf('刘建国'));
    expect(byName.lastIndexOf('刘建国') - byName.indexOf('刘建国')).toBe(1);
    expect(byName).toContain('Anon^Test');
    // The input list is left as it was.
    expect(all).toEqual([liuMr, chen, undated, liuCt]);
  });
  it('shows DICOM dates as YYYY-MM-DD and leaves other text alone', () => {
    expect(studyDate('20260301')).toBe('2026-03-01');
    expect(studyDate('')).toBe('');
    expect(studyDate('2026')).toBe('2026');
  });
});
