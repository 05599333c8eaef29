import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateTime, type PatientDetail, type Report } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { makeConsultation, pdfText, sampleContent, userId } from './fixtures.test-helper';
import { issuerCode, nextReportNumber, yearIn } from './numbering';

/**
 * A report a county doctor can file: the patient header (masked ID, record number, age), a human report number
 * assigned once at the first signature, times in the report zone on the page data and the PDF, and an
 * acknowledgement that updates only the plan of the disease the consultation concerns, with a structured entry.
 */
describe.each(DIALECTS)('filing a report (%s)', (dialect) => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let ids: { consultationId: string; caseId: string; patientId: string };
  let otherCaseId: string;
  let report: Report;

  const sign = async (consultationId: string): Promise<Report> => {
    const open = (
      await t.as(cardio, {
        method: 'POST',
        url: `/api/consultations/${consultationId}/report`,
      })
    ).json() as Report;
    const saved = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${open.id}/draft`,
      payload: { content: sampleContent(), baseRevision: open.draft!.revision },
    });
    expect(saved.statusCode).toBe(200);
    const s = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${open.id}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(s.statusCode).toBe(200);
    return s.json() as Report;
  };

  beforeAll(async () => {
    // Times printed in another zone than the default, to see the setting is used.
    t = await makeTestApp(dialect, { reportTimeZone: 'America/New_York' });
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
    ids = await makeConsultation(t.db);
    await t.db
      .updateTable('patients')
      .set({ national_id: '410225196104121234', record_number: 'LK-2026-0042' })
      .where('id', '=', ids.patientId)
      .execute();
    // The patient's other disease, with its own plan, which the report must leave alone.
    otherCaseId = crypto.randomUUID();
    const doctor = await userId(t.db, 'lankao.doctor');
    await t.db
      .insertInto('patient_cases')
      .values({
        id: otherCaseId,
        patient_id: ids.patientId,
        diagnosis: '2型糖尿病',
        icd10: 'E11.9',
        status: 'chronic',
        treatment_plan: '二甲双胍 0.5g 每日三次',
        created_by: doctor.id,
      })
      .execute();
  });
  afterAll(async () => t?.close());

  it('numbers the report at its first signature and shows the patient header with the ID masked', async () => {
    const draft = (
      await t.as(cardio, {
        method: 'POST',
        url: `/api/consultations/${ids.consultationId}/report`,
      })
    ).json() as Report;
    expect(draft.reportNumber).toBeNull();
    report = await sign(ids.consultationId);
    const year = yearIn(new Date(report.versions[0]!.signedAt), 'America/New_York');
    expect(report.reportNumber).toMatch(new RegExp(`^PUFH-${year}-\\d{6}$`));
    expect(report.timeZone).toBe('America/New_York');
    const age =
      new Date().getUTCFullYear() - 1961 - (new Date().toISOString().slice(5, 10) < '04-12' ? 1 : 0);
    expect(report.patient).toEqual({
      name: '测试患者 王某',
      sex: 'male',
      birthDate: '1961-04-12',
      ageYears: age,
      nationalIdMasked: '410***********1234',
      recordNumber: 'LK-2026-0042',
      hospitalZh: '兰考县人民医院',
      hospitalEn: expect.stringContaining('Lankao') as unknown as string,
    });
    // The county side reads the same header; the full ID never appears in a report.
    const seen = await t.as(county, { method: 'GET', url: `/api/reports/${report.id}` });
    expect(seen.body).not.toContain('410225196104121234');
    expect((seen.json() as Report).reportNumber).toBe(report.reportNumber);
  });

  it('keeps the number through an amendment; the next report gets the next number', async () => {
    const am = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${report.id}/amendments`,
      payload: { reason: '补充随访建议' },
    });
    expect(am.statusCode).toBe(200);
    const d = (am.json() as Report).draft!;
    const content = { ...d.content, findings: `${d.content.findings}（复核）` };
    const put = await t.as(cardio, {
      method: 'PUT',
      url: `/api/reports/${report.id}/draft`,
      payload: { content, baseRevision: d.revision },
    });
    expect(put.statusCode).toBe(200);
    const v2 = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${report.id}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect((v2.json() as Report).currentVersion).toBe(2);
    expect((v2.json() as Report).reportNumber).toBe(report.reportNumber);
    const second = await sign((await makeConsultation(t.db)).consultationId);
    const seq = (n: string) => Number(n.split('-').at(-1));
    expect(seq(second.reportNumber!)).toBe(seq(report.reportNumber!) + 1);
    report = v2.json() as Report;
  });

  it('never hands out one number twice, even to signings at the same moment', async () => {
    const pku = (await userId(t.db, 'pku.cardio')).hospitalId;
    const at = new Date();
    const numbers = await Promise.all(
      Array.from({ length: 12 }, () =>
        t.db.transaction().execute((trx) => nextReportNumber(trx, pku, at, 'Asia/Shanghai')),
      ),
    );
    expect(new Set(numbers).size).toBe(12);
    expect(issuerCode('Peking University First Hospital')).toBe('PUFH');
    expect(issuerCode('Beijing Anzhen Hospital')).toBe('BAH');
    expect(issuerCode('X')).toMatch(/^[A-Z]{2,}$/);
  });

  it('prints the header, the number and local times (zone named) in the PDF, never UTC', async () => {
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${report.id}/pdf` });
    expect(res.statusCode).toBe(200);
    const text = pdfText(res.rawPayload);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(report.reportNumber!);
    expect(flat).toContain('410***********1234');
    expect(flat).toContain('LK-2026-0042');
    expect(flat).toContain(localDateTime(report.versions.at(-1)!.signedAt, 'America/New_York'));
    expect(flat).toContain('America/New_York');
    expect(flat).not.toContain('UTC');
  });

  it('acknowledgement updates the plan of the consultation’s case only, with a structured entry', async () => {
    const ack = await t.as(county, { method: 'POST', url: `/api/reports/${report.id}/acknowledge` });
    expect(ack.statusCode).toBe(200);
    const file = (
      await t.as(county, { method: 'GET', url: `/api/patients/${ids.patientId}` })
    ).json() as PatientDetail;
    const concerned = file.cases.find((c) => c.id === ids.caseId)!;
    const other = file.cases.find((c) => c.id === otherCaseId)!;
    expect(concerned.treatmentPlan).toContain('急诊PCI');
    expect(other.treatmentPlan).toBe('二甲双胍 0.5g 每日三次');
    expect(other.followUps).toEqual([]);
    expect(concerned.followUps).toHaveLength(1);
    expect(concerned.followUps[0]).toMatchObject({
      kind: 'report_acknowledged',
      reportId: report.id,
      reportNumber: report.reportNumber,
      reportVersion: 2,
      reportDiagnosis: sampleContent().diagnoses.find((d) => d.primary)!.code,
      notes: '',
    });
    // Nothing in English was written into the patient file.
    expect(JSON.stringify(file.cases)).not.toMatch(/acknowledged \(|Referral:/);
  });
});
