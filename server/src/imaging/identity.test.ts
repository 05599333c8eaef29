/**
 * Identity of studies and patients (issue 11): a study belongs to one patient of one hospital, a series to one
 * study; patients match on issuer + Patient ID, never on an empty one. Refusals store nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { parsePart10 } from './dicom';
import { otherUid, withElement, withValue } from './mutate';
import { BlobStore } from './storage';
import { corpusFiles, CT_SERIES, stowAs } from './testkit';
import { tinyStudy } from './benchdata';
import { HOLD_BYTES } from '../storage/fs-store';

const PN = 'x00100010';
const PID = 'x00100020';
const STUDY = 'x0020000d';
const SERIES = 'x0020000e';
const SOP = 'x00080018';

type Json = Record<string, { Value?: unknown[] }>;
const failure = (body: Json) => {
  const item = (body['00081198']?.Value?.[0] ?? {}) as Json;
  return { reason: String(item['00000902']?.Value?.[0] ?? ''), code: Number(item['00081197']?.Value?.[0]) };
};

/** Everything stored: index rows per table, blob files and temp files. */
async function snapshot(t: TestApp) {
  const store = new BlobStore(t.config.dataDir);
  const n = async (table: 'imaging_instances' | 'imaging_studies' | 'imaging_series' | 'imaging_patients') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const blobs = fs
    .readdirSync(store.blobDir)
    .flatMap((d) => fs.readdirSync(path.join(store.blobDir, d)))
    .sort();
  return {
    instances: await n('imaging_instances'),
    studies: await n('imaging_studies'),
    series: await n('imaging_series'),
    patients: await n('imaging_patients'),
    blobs,
    temp: fs.readdirSync(store.tmpDir),
  };
}

describe.each(DIALECTS)('imaging identity (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session;
  let linquan: Session;
  let pku: Session;
  const slices = CT_SERIES()
    .filter((f) => f.path.includes('slice_'))
    .map((f) => fs.readFileSync(f.abs));
  const original = parsePart10(slices[0]!);
  if (!original.ok) throw new Error('corpus slice unreadable');
  const a = original.attrs;
  /** The county's slices re-labelled as OTHER^PATIENT; `newSop` gives them SOP Instance UIDs of their own. */
  const shadow = (newSop: boolean) =>
    slices.map((b, k) => {
      let x = withValue(withValue(b, PN, 'OTHER^PATIENT'), PID, 'OTHER-1');
      if (newSop) x = withValue(x, SOP, otherUid(parsePart10(b).ok ? sopOf(b) : '', k), '\0');
      return x;
    });
  const sopOf = (b: Uint8Array) => {
    const r = parsePart10(b);
    return r.ok ? r.attrs.sopInstanceUid : '';
  };

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    [lankao, linquan, pku] = await Promise.all([
      t.login('lankao.doctor'),
      t.login('linquan.doctor'),
      t.login('pku.radiology'),
    ]);
    expect((await stowAs(t, lankao, slices)).statusCode).toBe(200);
    // The county asks the university hospital to read the study (as access.test.ts links it).
    const patientId = crypto.randomUUID();
    const caseId = crypto.randomUUID();
    const consultationId = crypto.randomUUID();
    await t.db
      .insertInto('patients')
      .values({
        id: patientId,
        hospital_id: lankao.hospitalId!,
        name: '测试',
        sex: 'male',
        birth_date: '1960-01-01',
        created_by: lankao.userId,
      })
      .execute();
    await t.db
      .insertInto('patient_cases')
      .values({
        id: caseId,
        patient_id: patientId,
        diagnosis: 'x',
        icd10: 'I10',
        status: 'active',
        created_by: lankao.userId,
      })
      .execute();
    await t.db
      .insertInto('consultations')
      .values({
        id: consultationId,
        patient_id: patientId,
        case_id: caseId,
        requesting_hospital_id: lankao.hospitalId!,
        requester_id: lankao.userId,
        target_hospital_id: pku.hospitalId!,
        type: 'remote_image_diagnosis',
        urgency: 'routine',
        state: 'submitted',
        clinical_question: 'q',
      })
      .execute();
    await t.db
      .insertInto('consultation_studies')
      .values({ consultation_id: consultationId, study_instance_uid: a.studyUid, linked_by: lankao.userId })
      .execute();
  }, 120_000);
  afterAll(async () => t?.close());

  /** What a reader of the county's study sees: patient names and the number of instances. */
  async function seenBy(s: Session) {
    const q = await t.as(s, { method: 'GET', url: `/dicomweb/studies?StudyInstanceUID=${a.studyUid}` });
    expect(q.statusCode).toBe(200);
    const rows = q.json() as Json[];
    const meta = await t.as(s, { method: 'GET', url: `/dicomweb/studies/${a.studyUid}/metadata` });
    expect(meta.statusCode).toBe(200);
    const names = new Set(
      (meta.json() as Json[]).map((m) => JSON.stringify(m['00100010']?.Value?.[0] ?? null)),
    );
    return {
      studies: rows.length,
      instances: Number(rows[0]?.['00201208']?.Value?.[0]),
      metaInstances: (meta.json() as Json[]).length,
      names: [...names],
    };
  }

  const county = {
    studies: 1,
    instances: 10,
    metaInstances: 10,
    names: ['{"Alphabetic":"CompressedSamples^CT1"}'],
  };

  it('another hospital uploading the same Study/Series UIDs as OTHER^PATIENT is refused (STOW and upload); nothing is stored and the consultant still sees the county’s images', async () => {
    expect(await seenBy(pku)).toEqual(county);
    const before = await snapshot(t);
    for (const newSop of [true, false]) {
      const r = await stowAs(t, linquan, shadow(newSop));
      expect(r.statusCode).toBe(409);
      const items = (r.json() as Json)['00081198']!.Value as Json[];
      expect(items).toHaveLength(10);
      const f = failure(r.json());
      expect(f.code).toBe(0xa900);
      expect(f.reason).toContain(a.studyUid);
      expect(f.reason).toMatch(/another hospital \(Lankao County People's Hospital\)/);
      expect(f.reason).toContain('PatientID "OTHER-1", PatientName "OTHER^PATIENT"');
      // The county's patient is not disclosed to the other hospital.
      expect(f.reason).not.toContain('CompressedSamples');
    }
    const up = await t.as(linquan, {
      method: 'POST',
      url: '/api/imaging/instances',
      headers: { 'content-type': 'application/dicom' },
      payload: shadow(true)[0]!,
    });
    expect(up.statusCode).toBe(409);
    expect(up.json()).toMatchObject({ status: 'conflict', studyId: null });
    expect(up.json().reason).toMatch(/already belongs to a patient of another hospital/);
    expect(await snapshot(t)).toEqual(before);
    expect(await seenBy(pku)).toEqual(county);
    expect(await seenBy(lankao)).toEqual(county);
    const other = await t.as(linquan, {
      method: 'GET',
      url: `/dicomweb/studies?StudyInstanceUID=${a.studyUid}`,
    });
    expect(other.json()).toEqual([]);
  });

  it('the same hospital: another patient in the study, or the study’s series under another study, is refused naming both', async () => {
    const before = await snapshot(t);
    const otherPatient = withValue(
      withValue(slices[1]!, PID, 'LK-0002'),
      SOP,
      otherUid(sopOf(slices[1]!), 7),
      '\0',
    );
    const r = await stowAs(t, lankao, [otherPatient]);
    expect(r.statusCode).toBe(409);
    const f = failure(r.json());
    expect(f.code).toBe(0xa900);
    expect(f.reason).toContain(`PatientID "${a.patientId}", PatientName "${a.patientName}"`);
    expect(f.reason).toContain('PatientID "LK-0002"');
    // The series of the county's study, claimed by a new study.
    const moved = withValue(
      withValue(slices[2]!, STUDY, otherUid(a.studyUid, 3), '\0'),
      SOP,
      otherUid(sopOf(slices[2]!), 9),
      '\0',
    );
    const m = await stowAs(t, lankao, [moved]);
    expect(m.statusCode).toBe(409);
    expect(failure(m.json()).reason).toMatch(
      new RegExp(
        `Series Instance UID \\(0020,000E\\) ${a.seriesUid.replace(/\./g, '\\.')} already belongs to study ${a.studyUid.replace(/\./g, '\\.')}`,
      ),
    );
    // A SOP Instance UID of the study, sent again inside a new study and series.
    const sopMoved = withValue(
      withValue(slices[3]!, STUDY, otherUid(a.studyUid, 4), '\0'),
      SERIES,
      otherUid(a.seriesUid, 4),
      '\0',
    );
    const sm = await stowAs(t, lankao, [sopMoved]);
    expect(sm.statusCode).toBe(409);
    expect(failure(sm.json())).toMatchObject({ code: 0x0111 });
    expect(failure(sm.json()).reason).toMatch(/already stored/);
    expect(await snapshot(t)).toEqual(before);
    expect(await seenBy(lankao)).toEqual(county);
  });

  it('within one request the earlier part speaks first: a large part, then a small one of another patient in its study', async () => {
    // The large part streams to its file and syncs longer than the small one, which is held in memory; parts
    // still reach the group commit in their order (the second waits until the first is queued, whose scan reads
    // its file), so the second is the one refused, every time.
    const big = corpusFiles()
      .map((f) => fs.readFileSync(f.abs))
      .find((b) => {
        const r = b.length > 2 * HOLD_BYTES ? parsePart10(b) : null;
        return r?.ok && r.attrs.patientId !== '';
      })!;
    const bigAttrs = parsePart10(big);
    if (!bigAttrs.ok) throw new Error('no large corpus file');
    for (let round = 0; round < 5; round++) {
      const study = otherUid(a.studyUid, 300 + round);
      const large = withValue(
        withValue(
          withValue(big, STUDY, study, '\0'),
          SERIES,
          otherUid(bigAttrs.attrs.seriesUid, 300 + round),
          '\0',
        ),
        SOP,
        otherUid(bigAttrs.attrs.sopInstanceUid, 300 + round),
        '\0',
      );
      const small = withValue(tinyStudy(900 + round), STUDY, study, '\0');
      expect(small.length).toBeLessThan(HOLD_BYTES);
      const r = await stowAs(t, lankao, [large, small]);
      expect(r.statusCode, `round ${round}`).toBe(202);
      const body = r.json() as Json;
      const stored = (body['00081199']?.Value ?? []) as Json[];
      expect(stored.map((x) => x['00081155']?.Value?.[0])).toEqual([sopOf(large)]);
      expect(failure(body).code).toBe(0xa900);
      expect(failure(body).reason).toContain(`PatientID "${bigAttrs.attrs.patientId}"`);
    }
  });

  it('two hospitals sending the same new study at once: one is stored, the other refused, never both', async () => {
    for (let round = 0; round < 4; round++) {
      const uid = otherUid(a.studyUid, 500 + round);
      const series = otherUid(a.seriesUid, 500 + round);
      const copy = (k: number, pid: string) =>
        withValue(
          withValue(
            withValue(withValue(slices[k]!, STUDY, uid, '\0'), SERIES, series, '\0'),
            SOP,
            otherUid(sopOf(slices[k]!), 500 + round * 10 + k),
            '\0',
          ),
          PID,
          pid,
        );
      const [x, y] = await Promise.all([
        stowAs(t, lankao, [copy(0, 'LK-R'), copy(1, 'LK-R')]),
        stowAs(t, linquan, [copy(2, 'LQ-R'), copy(3, 'LQ-R')]),
      ]);
      const statuses = [x.statusCode, y.statusCode];
      // Whole requests win or lose: the loser's parts all name the other hospital.
      expect(statuses.sort(), `round ${round}`).toEqual([200, 409]);
      const loser = x.statusCode === 409 ? x : y;
      expect(failure(loser.json()).reason).toMatch(/another hospital/);
      const held = await t.db
        .selectFrom('imaging_studies')
        .select(['hospital_id'])
        .where('study_uid', '=', uid)
        .execute();
      expect(held).toHaveLength(1);
    }
  });

  it('patients match on issuer + Patient ID: one record for two studies of one patient, two for another issuer', async () => {
    const base = withValue(slices[4]!, PID, 'LK-77');
    const study = (k: number, issuer?: string) => {
      let x = withValue(
        withValue(
          withValue(base, STUDY, otherUid(a.studyUid, 100 + k), '\0'),
          SERIES,
          otherUid(a.seriesUid, 100 + k),
          '\0',
        ),
        SOP,
        otherUid(sopOf(slices[4]!), 100 + k),
        '\0',
      );
      if (issuer) x = withElement(x, 'x00100021', 'LO', issuer);
      return x;
    };
    expect((await stowAs(t, lankao, [study(1)])).statusCode).toBe(200);
    expect((await stowAs(t, lankao, [study(2)])).statusCode).toBe(200);
    expect((await stowAs(t, lankao, [study(3, 'OTHER-MPI')])).statusCode).toBe(200);
    const rows = await t.db
      .selectFrom('imaging_patients')
      .select(['issuer'])
      .where('patient_id', '=', 'LK-77')
      .where('hospital_id', '=', lankao.hospitalId!)
      .execute();
    expect(rows.map((r) => r.issuer).sort()).toEqual(['', 'OTHER-MPI']);
  });

  it('after every upload and refusal above, each patient record is some study’s: none is made for a study already stored', async () => {
    // More instances of a stored study, one with the study's Patient ID and one new series: the study keeps its record.
    const first = withValue(slices[4]!, PID, 'LK-77');
    const more = withValue(
      withValue(first, SERIES, otherUid(a.seriesUid, 201), '\0'),
      SOP,
      otherUid(sopOf(slices[4]!), 201),
      '\0',
    );
    const before = (await snapshot(t)).patients;
    const study101 = withValue(more, STUDY, otherUid(a.studyUid, 101), '\0');
    expect((await stowAs(t, lankao, [study101])).statusCode).toBe(200);
    expect((await snapshot(t)).patients).toBe(before);
    const orphans = await t.db
      .selectFrom('imaging_patients as p')
      .leftJoin('imaging_studies as st', 'st.patient_ref', 'p.id')
      .where('st.id', 'is', null)
      .select('p.id')
      .execute();
    expect(orphans).toEqual([]);
  });
});
