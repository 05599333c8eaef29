/**
 * Studies without a Patient ID, over the real corpus (issue 11; identity.test.ts has the identity rule itself):
 * each such study keeps a patient record of its own, never one shared through an empty ID.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { corpusFiles, stowAs } from './testkit';

type Json = Record<string, { Value?: unknown[] }>;

describe.each(DIALECTS)('studies without a Patient ID, over the real corpus (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  /** Each corpus file without a Patient ID that parses, with its study's expected name and sex (first file). */
  const files = corpusFiles()
    .map((f) => ({ f, r: parsePart10(fs.readFileSync(f.abs)) }))
    .filter((x) => x.r.ok && x.r.attrs.patientId === '');
  const expected = new Map<string, { name: string; sex: string }>();

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('yonghe.doctor');
    for (const { f, r } of files) {
      if (!r.ok) continue;
      const res = await stowAs(t, s, [fs.readFileSync(f.abs)]);
      // 200, or 409 for a file reusing a stored SOP Instance UID with other bytes (the corpus has such pairs).
      expect([200, 409], f.path).toContain(res.statusCode);
      if (res.statusCode === 200 && !expected.has(r.attrs.studyUid))
        expected.set(r.attrs.studyUid, { name: r.attrs.patientName, sex: r.attrs.sex });
    }
  }, 300_000);
  afterAll(async () => t?.close());

  it('every study keeps its own patient record, name and sex', async () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(expected.size).toBeGreaterThanOrEqual(14);
    const patients = await t.db
      .selectFrom('imaging_studies as st')
      .innerJoin('imaging_patients as p', 'p.id', 'st.patient_ref')
      .select(['st.study_uid', 'p.id', 'p.patient_name', 'p.sex'])
      .execute();
    expect(new Set(patients.map((p) => p.id)).size).toBe(patients.length);
    for (const [uid, want] of expected) {
      const q = await t.as(s, { method: 'GET', url: `/dicomweb/studies?StudyInstanceUID=${uid}` });
      const row = (q.json() as Json[])[0]!;
      const name = (row['00100010']?.Value?.[0] as { Alphabetic?: string } | undefined)?.Alphabetic ?? '';
      expect(name, uid).toBe(want.name);
      expect(String(row['00100040']?.Value?.[0] ?? ''), uid).toBe(want.sex);
    }
  });

  it('QIDO PatientName matching finds each of them', async () => {
    for (const [uid, want] of expected) {
      if (!want.name) continue;
      const q = await t.as(s, {
        method: 'GET',
        url: `/dicomweb/studies?PatientName=${encodeURIComponent(want.name)}`,
      });
      const uids = (q.json() as Json[]).map((r) => r['0020000D']?.Value?.[0]);
      expect(uids, `${want.name} ${uid}`).toContain(uid);
    }
    const anon = await t.as(s, { method: 'GET', url: '/dicomweb/studies?PatientName=Anonymized' });
    const wantAnon = [...expected.values()].filter((v) => v.name === 'Anonymized').length;
    expect(wantAnon).toBeGreaterThanOrEqual(5);
    expect(anon.json()).toHaveLength(wantAnon);
  });
});
