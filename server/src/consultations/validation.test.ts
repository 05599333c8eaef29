/** Bad bodies answer 400 naming the offending field, and nothing is written. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest } from './testkit';
import type { ConsultationDetail } from '@consult/shared';

const TABLES = [
  'patients',
  'patient_cases',
  'case_follow_ups',
  'consultations',
  'consultation_transitions',
  'consultation_messages',
  'consultation_studies',
] as const;

describe.each(DIALECTS)('validation (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session, cardio: Session;
  let c: ConsultationDetail;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    lankao = await t.login('lankao.doctor');
    cardio = await t.login('pku.cardio');
    c = await createRequest(t, lankao);
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  const counts = async () => {
    const out: Record<string, number> = {};
    for (const tb of TABLES) {
      const r = await t.db
        .selectFrom(tb)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      out[tb] = Number(r.n);
    }
    return out;
  };

  const cases = (): [string, Session, string, string, unknown, string][] => [
    [
      'patient without a name',
      lankao,
      'POST',
      '/api/patients',
      { sex: 'male', birthDate: '1960-01-01' },
      '/body/name',
    ],
    [
      'patient with a malformed national ID',
      lankao,
      'POST',
      '/api/patients',
      { name: '李四', sex: 'male', birthDate: '1960-01-01', nationalId: '12345' },
      '/body/nationalId',
    ],
    [
      'patient with an unknown sex',
      lankao,
      'POST',
      '/api/patients',
      { name: '李四', sex: 'x', birthDate: '1960-01-01' },
      '/body/sex',
    ],
    [
      'patient born in the future',
      lankao,
      'POST',
      '/api/patients',
      { name: '李四', sex: 'male', birthDate: '2999-01-01' },
      '/body/birthDate',
    ],
    [
      'patient with an unknown field',
      lankao,
      'POST',
      '/api/patients',
      { name: '李四', sex: 'male', birthDate: '1960-01-01', ssn: '1' },
      '/body/ssn',
    ],
    [
      'case with a bad ICD-10 code',
      lankao,
      'POST',
      `/api/patients/${c.patient.id}/cases`,
      { diagnosis: '糖尿病', icd10: 'diabetes' },
      '/body/icd10',
    ],
    [
      'follow-up due before it happened',
      lankao,
      'POST',
      `/api/patients/${c.patient.id}/cases/${c.caseId}/follow-ups`,
      { date: '2026-11-20', notes: 'ok', nextDueDate: '2026-11-01' },
      '/body/nextDueDate',
    ],
    [
      'request with an unknown urgency',
      lankao,
      'POST',
      '/api/consultations',
      {
        patientId: c.patient.id,
        caseId: c.caseId,
        type: 'remote_consultation',
        urgency: 'asap',
        clinicalQuestion: 'q',
        targetHospitalId: c.targetHospital.id,
      },
      '/body/urgency',
    ],
    [
      'request without a clinical question',
      lankao,
      'POST',
      '/api/consultations',
      {
        patientId: c.patient.id,
        caseId: c.caseId,
        type: 'remote_consultation',
        urgency: 'urgent',
        targetHospitalId: c.targetHospital.id,
      },
      '/body/clinicalQuestion',
    ],
    [
      'request for a case of another patient',
      lankao,
      'POST',
      '/api/consultations',
      {
        patientId: c.patient.id,
        caseId: c.id,
        type: 'remote_consultation',
        urgency: 'urgent',
        clinicalQuestion: 'q',
        targetHospitalId: c.targetHospital.id,
      },
      '/body/caseId',
    ],
    [
      'request to a county hospital',
      lankao,
      'POST',
      '/api/consultations',
      {
        patientId: c.patient.id,
        caseId: c.caseId,
        type: 'remote_consultation',
        urgency: 'urgent',
        clinicalQuestion: 'q',
        targetHospitalId: c.requestingHospital.id,
      },
      '/body/targetHospitalId',
    ],
    [
      'transition to an unknown state',
      cardio,
      'POST',
      `/api/consultations/${c.id}/transitions`,
      { to: 'approved' },
      '/body/to',
    ],
    [
      'triage without an assignee',
      cardio,
      'POST',
      `/api/consultations/${c.id}/transitions`,
      { to: 'triaged' },
      '/body/assigneeId',
    ],
    [
      'triage to a county doctor',
      cardio,
      'POST',
      `/api/consultations/${c.id}/transitions`,
      { to: 'triaged', assigneeId: lankao.userId },
      '/body/assigneeId',
    ],
    [
      'decline without a reason',
      cardio,
      'POST',
      `/api/consultations/${c.id}/transitions`,
      { to: 'declined' },
      '/body/reason',
    ],
    ['empty message', lankao, 'POST', `/api/consultations/${c.id}/messages`, { body: '' }, '/body/body'],
    [
      'message with somebody else’s attachment id',
      lankao,
      'POST',
      `/api/consultations/${c.id}/messages`,
      { body: 'see file', attachmentIds: [c.id] },
      '/body/attachmentIds',
    ],
    [
      'study link with a malformed UID',
      lankao,
      'POST',
      `/api/consultations/${c.id}/studies`,
      { studyInstanceUid: '1.2.abc' },
      '/body/studyInstanceUid',
    ],
  ];

  const NAMES = [
    'patient without a name',
    'patient with a malformed national ID',
    'patient with an unknown sex',
    'patient born in the future',
    'patient with an unknown field',
    'case with a bad ICD-10 code',
    'follow-up due before it happened',
    'request with an unknown urgency',
    'request without a clinical question',
    'request for a case of another patient',
    'request to a county hospital',
    'transition to an unknown state',
    'triage without an assignee',
    'triage to a county doctor',
    'decline without a reason',
    'empty message',
    'message with somebody else’s attachment id',
    'study link with a malformed UID',
  ];
  it('lists every case', () => expect(cases().map((x) => x[0])).toEqual(NAMES));

  it.each(NAMES)('%s', async (name) => {
    const [, who, method, url, payload, field] = cases().find((x) => x[0] === name)!;
    const before = await counts();
    const res = await t.as(who, { method: method as 'POST', url, payload: payload as object });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toBe(field);
    expect(await counts()).toEqual(before);
  });

  it('refuses a second case for the same disease (one disease, one case file)', async () => {
    const before = await counts();
    const res = await t.as(lankao, {
      method: 'POST',
      url: `/api/patients/${c.patient.id}/cases`,
      payload: { diagnosis: '心衰', icd10: 'I50.9' },
    });
    expect(res.statusCode).toBe(409);
    expect(await counts()).toEqual(before);
  });
});
