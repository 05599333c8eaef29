import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { CT_SERIES, stowAs } from './testkit';

/** Hospital scoping: another hospital's user gets 404 everywhere; a consultation link opens the study. */
describe.each(DIALECTS)('imaging access (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session;
  let wanquan: Session;
  let pku: Session;
  let study: string;
  let series: string;
  let sop: string;
  let studyId: string;
  let annotationId: string;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    lankao = await t.login('lankao.doctor');
    wanquan = await t.login('wanquan.doctor');
    pku = await t.login('pku.radiology');
    const res = await stowAs(
      t,
      lankao,
      CT_SERIES()
        .filter((f) => f.path.includes('slice_'))
        .map((f) => fs.readFileSync(f.abs)),
    );
    expect(res.statusCode).toBe(200);
    const ref = res.json()['00081199'].Value[0]['00081190'].Value[0] as string;
    const m = /studies\/([^/]+)\/series\/([^/]+)\/instances\/([^/]+)/.exec(ref)!;
    [study, series, sop] = [m[1]!, m[2]!, m[3]!];
    studyId = (
      await t.db
        .selectFrom('imaging_studies')
        .select('id')
        .where('study_uid', '=', study!)
        .executeTakeFirstOrThrow()
    ).id;
    const a = await t.as(lankao, {
      method: 'POST',
      url: `/api/imaging/studies/${studyId}/annotations`,
      payload: {
        sopInstanceUid: sop,
        frame: 0,
        tool: 'Length',
        points: [
          [1, 1],
          [20, 1],
        ],
      },
    });
    expect(a.statusCode).toBe(201);
    annotationId = a.json().id;
  });
  afterAll(async () => t?.close());

  const urls = () => [
    `/dicomweb/studies/${study}`,
    `/dicomweb/studies/${study}/series/${series}`,
    `/dicomweb/studies/${study}/series/${series}/instances/${sop}`,
    `/dicomweb/studies/${study}/metadata`,
    `/dicomweb/studies/${study}/series/${series}/instances/${sop}/metadata`,
    `/dicomweb/studies/${study}/series/${series}/instances/${sop}/frames/1`,
    `/dicomweb/studies/${study}/series`,
    `/dicomweb/studies/${study}/series/${series}/instances`,
    `/wado?requestType=WADO&studyUID=${study}&seriesUID=${series}&objectUID=${sop}&contentType=application%2Fdicom`,
    `/api/imaging/studies/${studyId}`,
    `/api/imaging/studies/${studyId}/annotations`,
  ];

  it('the owning hospital reads everything', async () => {
    for (const url of urls()) expect((await t.as(lankao, { method: 'GET', url })).statusCode, url).toBe(200);
  });

  it('another hospital gets 404 on QIDO, WADO, metadata, frames and annotations; QIDO search lists nothing', async () => {
    for (const s of [wanquan, pku]) {
      for (const url of urls())
        expect((await t.as(s, { method: 'GET', url })).statusCode, `${s.username} ${url}`).toBe(404);
      const q = await t.as(s, { method: 'GET', url: `/dicomweb/studies?StudyInstanceUID=${study}` });
      expect(q.statusCode).toBe(200);
      expect(q.json()).toEqual([]);
      const inst = await t.as(s, { method: 'GET', url: `/dicomweb/instances?SOPInstanceUID=${sop}` });
      expect(inst.json()).toEqual([]);
      const upd = await t.as(s, {
        method: 'PUT',
        url: `/api/imaging/annotations/${annotationId}`,
        payload: {
          points: [
            [1, 1],
            [3, 3],
          ],
          version: 1,
        },
      });
      expect(upd.statusCode).toBe(404);
      const add = await t.as(s, {
        method: 'POST',
        url: `/api/imaging/studies/${studyId}/annotations`,
        payload: { sopInstanceUid: sop, frame: 0, tool: 'Probe', points: [[5, 5]] },
      });
      expect(add.statusCode).toBe(404);
    }
  });

  it('signed-out requests get 401; network administrators get 403', async () => {
    expect((await t.as(null, { method: 'GET', url: `/dicomweb/studies/${study}/metadata` })).statusCode).toBe(
      401,
    );
    const admin = await t.login('program');
    expect((await t.as(admin, { method: 'GET', url: '/dicomweb/studies' })).statusCode).toBe(403);
  });

  it('a consultation linking the study opens it to the target hospital only', async () => {
    const lankaoHospital = lankao.hospitalId!;
    const pkuHospital = pku.hospitalId!;
    const patientId = crypto.randomUUID();
    const caseId = crypto.randomUUID();
    const consultationId = crypto.randomUUID();
    await t.db
      .insertInto('patients')
      .values({
        id: patientId,
        hospital_id: lankaoHospital,
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
        requesting_hospital_id: lankaoHospital,
        requester_id: lankao.userId,
        target_hospital_id: pkuHospital,
        type: 'remote_image_diagnosis',
        urgency: 'routine',
        state: 'submitted',
        clinical_question: 'q',
      })
      .execute();
    await t.db
      .insertInto('consultation_studies')
      .values({ consultation_id: consultationId, study_instance_uid: study, linked_by: lankao.userId })
      .execute();
    for (const url of urls()) expect((await t.as(pku, { method: 'GET', url })).statusCode, url).toBe(200);
    for (const url of urls()) expect((await t.as(wanquan, { method: 'GET', url })).statusCode, url).toBe(404);
    // Only the owning hospital links the study to a patient case.
    const link = await t.as(lankao, {
      method: 'PUT',
      url: `/api/imaging/studies/${studyId}/case`,
      payload: { caseId },
    });
    expect(link.statusCode).toBe(200);
    expect(link.json().caseId).toBe(caseId);
    expect(
      (
        await t.as(pku, {
          method: 'PUT',
          url: `/api/imaging/studies/${studyId}/case`,
          payload: { caseId: null },
        })
      ).statusCode,
    ).toBe(403);
    // The specialist reads the annotation but cannot change the author's.
    const upd = await t.as(pku, {
      method: 'PUT',
      url: `/api/imaging/annotations/${annotationId}`,
      payload: {
        points: [
          [1, 1],
          [3, 3],
        ],
        version: 1,
      },
    });
    expect(upd.statusCode).toBe(403);
    // Every image view is audited with who and which study.
    const views = await t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'entity_id'])
      .where('action', '=', 'imaging.study.view')
      .where('actor_id', '=', pku.userId)
      .execute();
    expect(views.map((v) => v.entity_id)).toContain(studyId);
  });
});
