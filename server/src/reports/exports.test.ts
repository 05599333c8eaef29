import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { makeConsultation, makeImaging, pdfText, sampleContent } from './fixtures.test-helper';
import { fhirIssues } from '../fhir/validate.test-helper';
import { buildFhirBundle } from './fhir';
import type { ReportDocument } from './document';

describe.each(DIALECTS)('report exports (%s)', (dialect) => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let reportId: string;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    [cardio, county] = await Promise.all([t.login('pku.cardio'), t.login('lankao.doctor')]);
    const { consultationId } = await makeConsultation(t.db);
    const img = await makeImaging(t.db, consultationId, county.hospitalId!, county.userId);
    const r = (
      await t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
    ).json() as Report;
    reportId = r.id;
    const put = (keyImages: unknown[], baseRevision: number) =>
      t.as(cardio, {
        method: 'PUT',
        url: `/api/reports/${reportId}/draft`,
        payload: { content: { ...sampleContent(), keyImages }, baseRevision },
      });
    const key = {
      studyInstanceUid: img.studyUid,
      sopInstanceUid: img.sopUid,
      frame: 2,
      annotationIds: [img.annotationId],
      caption: '前降支近段',
    };
    // Key images must exist on a linked study, frame and annotation included.
    expect((await put([{ ...key, sopInstanceUid: '1.2.3.4' }], 0)).json().message).toMatch(
      /not in a study linked to this consultation/,
    );
    expect((await put([{ ...key, frame: 4 }], 0)).json().message).toMatch(/has 3 frame\(s\), not 4/);
    expect((await put([{ ...key, frame: 1 }], 0)).json().message).toMatch(
      /annotation .* does not exist on that frame/,
    );
    expect((await put([key], 0)).statusCode).toBe(200);
    const s = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(s.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  it('the PDF carries both letterheads, the Chinese diagnosis, signer, fingerprint and version', async () => {
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = pdfText(res.rawPayload);
    for (const s of [
      '北京大学第一医院',
      '兰考县人民医院',
      '前壁急性透壁性心肌梗死',
      'I21.0',
      '急性前壁心肌梗死',
      '陈教授',
      '版本 1',
      '前降支近段',
    ]) {
      expect(text).toContain(s);
    }
    const pk = (await t.as(county, { method: 'GET', url: '/api/reports/public-key' })).json() as {
      fingerprint: string;
    };
    expect(text.replace(/\s+/g, '')).toContain(pk.fingerprint.slice(0, 32));
    const en = pdfText(
      (await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/pdf?lang=en` })).rawPayload,
    );
    expect(en).toContain('Acute transmural myocardial infarction of anterior wall');
    expect(en).toContain('Peking University First Hospital');
  });

  it('the FHIR bundle is valid R4 and carries the ICD-10 conclusion code', async () => {
    const res = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/fhir` });
    expect(res.statusCode).toBe(200);
    const bundle = res.json() as {
      entry: { resource: { resourceType: string } & Record<string, unknown> }[];
    };
    expect(fhirIssues(bundle)).toEqual([]);
    const types = bundle.entry.map((e) => e.resource.resourceType).sort();
    expect(types).toEqual([
      'DiagnosticReport',
      'ImagingStudy',
      'Organization',
      'Organization',
      'Patient',
      'Practitioner',
      'Practitioner',
      'Provenance',
      'ServiceRequest',
    ]);
    const dr = bundle.entry.find((e) => e.resource.resourceType === 'DiagnosticReport')!.resource;
    expect(dr).toMatchObject({
      status: 'final',
      conclusionCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I21.0' }] }],
    });
    expect(String(dr.conclusion)).toContain('急性前壁心肌梗死');
  });

  it('another hospital gets 404 for the exports', async () => {
    const other = await t.login('wanquan.doctor');
    expect((await t.as(other, { method: 'GET', url: `/api/reports/${reportId}/pdf` })).statusCode).toBe(404);
    expect((await t.as(other, { method: 'GET', url: `/api/reports/${reportId}/fhir` })).statusCode).toBe(404);
  });
});

describe('FHIR R4 validator', () => {
  const doc: ReportDocument = {
    reportId: '11111111-1111-4111-8111-111111111111',
    status: 'signed',
    acknowledgedAt: null,
    signature: 'sig',
    keyFingerprint: 'ab'.repeat(32),
    payload: {
      type: 'consult.remote-diagnosis-report/1',
      reportId: '11111111-1111-4111-8111-111111111111',
      consultationId: '22222222-2222-4222-8222-222222222222',
      version: 2,
      signedAt: '2026-11-25T08:00:00.000Z',
      signer: {
        id: '33333333-3333-4333-8333-333333333333',
        name: '周医生',
        role: 'radiologist',
        hospitalId: '44444444-4444-4444-8444-444444444444',
      },
      amendmentReason: 'typo',
      previous: 'x',
      content: {
        ...sampleContent(),
        diagnoses: [{ code: 'J18.9', titleZh: '肺炎', titleEn: 'Pneumonia, unspecified', primary: true }],
      },
    },
    consultation: {
      id: '22222222-2222-4222-8222-222222222222',
      type: 'remote_image_diagnosis',
      urgency: 'emergency',
      clinicalQuestion: 'q',
      historySummary: '',
      submittedAt: null,
      requesterId: '55555555-5555-4555-8555-555555555555',
      requesterName: '张伟',
    },
    patient: {
      id: '66666666-6666-4666-8666-666666666666',
      name: '王某',
      sex: 'female',
      birthDate: '1950-01-02',
      povertyRegistered: false,
    },
    requesting: {
      id: '77777777-7777-4777-8777-777777777777',
      nameZh: '兰考县人民医院',
      nameEn: 'Lankao',
      region: 'Henan',
    },
    consulting: {
      id: '44444444-4444-4444-8444-444444444444',
      nameZh: '北京大学第一医院',
      nameEn: 'PKU First',
      region: 'Beijing',
    },
    signerHospital: {
      id: '44444444-4444-4444-8444-444444444444',
      nameZh: '北京大学第一医院',
      nameEn: 'PKU First',
      region: 'Beijing',
    },
    studies: [
      {
        studyInstanceUid: '1.2.3',
        modality: 'CT',
        description: 'Chest',
        started: '2026-11-20',
        numberOfSeries: 2,
        numberOfInstances: 120,
      },
    ],
  };

  it('accepts an amended image-diagnosis bundle (the same mappers as /fhir)', () => {
    const b = buildFhirBundle(doc);
    expect(fhirIssues(b)).toEqual([]);
    const res = (type: string) =>
      b.entry!.find((e) => e.resource!.resourceType === type)!.resource as unknown as Record<string, unknown>;
    expect(res('DiagnosticReport').status).toBe('amended');
    expect(res('ServiceRequest').priority).toBe('stat');
    expect(res('Provenance')).toMatchObject({
      target: [{ reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' }],
    });
  });

  it('the validator catches missing required elements, bad codes and unknown elements', () => {
    type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating a parsed Bundle
    const b = JSON.parse(JSON.stringify(buildFhirBundle(doc))) as Json;
    const res = (type: string) => (b.entry as Json[]).find((e) => e.resource.resourceType === type)!.resource;
    delete res('DiagnosticReport').code;
    res('Patient').birthDate = '02/01/1950';
    res('Patient').colour = 'blue';
    res('ServiceRequest').subject = [res('ServiceRequest').subject];
    const issues = fhirIssues(b).join('\n');
    expect(issues).toMatch(/resource\.code: Missing required property/);
    expect(issues).toMatch(/birthDate/);
    expect(issues).toMatch(/colour/);
    expect(issues).toMatch(/subject/);
  });
});
