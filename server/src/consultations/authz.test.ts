/**
 * Authorization matrix: every route of the consultations capability (patients, consultations, stats) × role ×
 * own/other hospital → expected status. Another hospital's row answers 404 (existence not leaked); a role
 * without the permission 403; no session 401. List routes must not leak the fixture to outsiders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest, PDF_BYTES } from './testkit';
import type { ConsultationDetail } from '@consult/shared';

const ACTORS = [
  'anonymous',
  'program',
  'sysadmin',
  'linquan.doctor', // county, paired with the same tertiary hospital
  'wanquan.doctor', // county, another program
  'anzhen.cardio', // specialist, other tertiary hospital
  'anzhen.radiology',
  'pku.radiology', // radiologist of the target hospital (queue)
  'pku.cardio', // specialist of the target hospital (triage)
  'lankao.doctor', // the requesting county doctor (last: some of its calls change the fixture)
] as const;
type ActorName = (typeof ACTORS)[number];

interface Row {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: () => string;
  payload?: () => unknown;
  headers?: Record<string, string>;
  expect: Partial<Record<ActorName, number>> & { default: number };
  /** For list routes: the fixture must not appear for these actors. */
  leak?: (body: string) => boolean;
}

describe.each(DIALECTS)('authorization matrix (%s)', (dialect) => {
  let t: TestApp;
  const s = {} as Record<ActorName, Session | null>;
  let c: ConsultationDetail;
  let attachmentId: string;
  let imagingInstalled = false;
  const linkedUid = '1.2.826.0.1.3680043.8.498.1';
  let icdSeq = 0;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    for (const a of ACTORS) s[a] = a === 'anonymous' ? null : await t.login(a);
    c = await createRequest(t, s['lankao.doctor']!);
    const up = await t.as(s['lankao.doctor'], {
      method: 'POST',
      url: `/api/consultations/${c.id}/attachments?fileName=ecg.pdf`,
      headers: { 'content-type': 'application/pdf' },
      payload: PDF_BYTES,
    });
    attachmentId = up.json().id;
    await t.db
      .insertInto('consultation_studies')
      .values({ consultation_id: c.id, study_instance_uid: linkedUid, linked_by: s['lankao.doctor']!.userId })
      .execute();
    imagingInstalled = !!(
      await sql<{ t: string | null }>`select to_regclass('imaging_studies')::text as t`.execute(t.db)
    ).rows[0]?.t;
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  const CLIN_DENY = { program: 403, sysadmin: 403, anonymous: 401 } as const;
  const OUTSIDERS = {
    'linquan.doctor': 404,
    'wanquan.doctor': 404,
    'anzhen.cardio': 404,
    'anzhen.radiology': 404,
  } as const;
  const pdfHeaders = { 'content-type': 'application/pdf' };

  const rows = (): Row[] => [
    {
      name: 'GET /api/patients',
      method: 'GET',
      url: () => '/api/patients',
      expect: { default: 200, ...CLIN_DENY },
      leak: (b) => b.includes(c.patient.id),
    },
    {
      name: 'POST /api/patients',
      method: 'POST',
      url: () => '/api/patients',
      payload: () => ({ name: '测试患者', sex: 'male', birthDate: '1970-01-01' }),
      expect: {
        default: 403,
        'lankao.doctor': 201,
        'linquan.doctor': 201,
        'wanquan.doctor': 201,
        anonymous: 401,
      },
    },
    {
      name: 'GET /api/patients/:id',
      method: 'GET',
      url: () => `/api/patients/${c.patient.id}`,
      expect: { default: 200, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'PATCH /api/patients/:id',
      method: 'PATCH',
      url: () => `/api/patients/${c.patient.id}`,
      payload: () => ({ village: '三义寨乡' }),
      expect: {
        default: 403,
        'lankao.doctor': 200,
        'linquan.doctor': 404,
        'wanquan.doctor': 404,
        anonymous: 401,
      },
    },
    {
      name: 'POST /api/patients/:id/cases',
      method: 'POST',
      url: () => `/api/patients/${c.patient.id}/cases`,
      payload: () => ({ diagnosis: '2型糖尿病', icd10: `E11.${icdSeq++}` }),
      expect: {
        default: 403,
        'lankao.doctor': 201,
        'linquan.doctor': 404,
        'wanquan.doctor': 404,
        anonymous: 401,
      },
    },
    {
      name: 'PATCH /api/patients/:id/cases/:caseId',
      method: 'PATCH',
      url: () => `/api/patients/${c.patient.id}/cases/${c.caseId}`,
      payload: () => ({ treatmentPlan: '呋塞米 20mg qd' }),
      expect: {
        default: 403,
        'lankao.doctor': 200,
        'linquan.doctor': 404,
        'wanquan.doctor': 404,
        anonymous: 401,
      },
    },
    {
      name: 'POST /api/patients/:id/cases/:caseId/follow-ups',
      method: 'POST',
      url: () => `/api/patients/${c.patient.id}/cases/${c.caseId}/follow-ups`,
      payload: () => ({ date: '2026-11-20', notes: '电话随访，症状稳定', nextDueDate: '2026-12-20' }),
      expect: {
        default: 403,
        'lankao.doctor': 201,
        'linquan.doctor': 404,
        'wanquan.doctor': 404,
        anonymous: 401,
      },
    },
    {
      name: 'GET /api/consultations',
      method: 'GET',
      url: () => '/api/consultations',
      expect: { default: 200, ...CLIN_DENY },
      leak: (b) => b.includes(c.id),
    },
    {
      name: 'GET /api/consultations?view=queue',
      method: 'GET',
      url: () => '/api/consultations?view=queue',
      expect: { default: 200, ...CLIN_DENY },
      leak: (b) => b.includes(c.id),
    },
    {
      name: 'POST /api/consultations',
      method: 'POST',
      url: () => '/api/consultations',
      payload: () => ({
        patientId: c.patient.id,
        caseId: c.caseId,
        type: 'teaching_case',
        urgency: 'routine',
        clinicalQuestion: '教学病例',
        targetHospitalId: c.targetHospital.id,
      }),
      // another county hospital naming this patient: refused as not in their hospital (400), nothing created
      expect: {
        default: 403,
        'lankao.doctor': 201,
        'linquan.doctor': 400,
        'wanquan.doctor': 400,
        anonymous: 401,
      },
    },
    {
      name: 'GET /api/consultations/sla',
      method: 'GET',
      url: () => '/api/consultations/sla',
      expect: { default: 200, ...CLIN_DENY },
    },
    {
      name: 'GET /api/consultations/:id',
      method: 'GET',
      url: () => `/api/consultations/${c.id}`,
      expect: { default: 200, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'PATCH /api/consultations/:id',
      method: 'PATCH',
      url: () => `/api/consultations/${c.id}`,
      payload: () => ({ historySummary: 'x' }),
      // submitted requests are no longer editable (409); the tertiary side may never edit (403)
      expect: {
        default: 403,
        'lankao.doctor': 409,
        'linquan.doctor': 404,
        'wanquan.doctor': 404,
        anonymous: 401,
      },
    },
    {
      name: 'POST /api/consultations/:id/transitions',
      method: 'POST',
      url: () => `/api/consultations/${c.id}/transitions`,
      payload: () => ({ to: 'completed' }),
      expect: { default: 409, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'GET /api/consultations/:id/assignable',
      method: 'GET',
      url: () => `/api/consultations/${c.id}/assignable`,
      expect: { default: 403, 'pku.cardio': 200, 'anzhen.cardio': 404, anonymous: 401 },
    },
    {
      name: 'GET /api/consultations/:id/messages',
      method: 'GET',
      url: () => `/api/consultations/${c.id}/messages`,
      expect: { default: 200, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'POST /api/consultations/:id/messages',
      method: 'POST',
      url: () => `/api/consultations/${c.id}/messages`,
      payload: () => ({ body: '请问患者目前血压？' }),
      expect: { default: 201, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'POST /api/consultations/:id/attachments',
      method: 'POST',
      url: () => `/api/consultations/${c.id}/attachments?fileName=lab.pdf`,
      headers: pdfHeaders,
      payload: () => PDF_BYTES,
      expect: { default: 201, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'GET /api/consultations/:id/attachments/:attachmentId',
      method: 'GET',
      url: () => `/api/consultations/${c.id}/attachments/${attachmentId}`,
      expect: { default: 200, ...CLIN_DENY, ...OUTSIDERS },
    },
    {
      name: 'POST /api/consultations/:id/studies',
      method: 'POST',
      url: () => `/api/consultations/${c.id}/studies`,
      payload: () => ({ studyInstanceUid: '1.2.826.0.1.3680043.8.498.2' }),
      // the tertiary side links only once assigned (403 while in the queue)
      expect: { default: 403, ...CLIN_DENY, ...OUTSIDERS, 'lankao.doctor': imagingInstalled ? 400 : 201 },
    },
    {
      name: 'DELETE /api/consultations/:id/studies/:uid',
      method: 'DELETE',
      url: () => `/api/consultations/${c.id}/studies/${linkedUid}`,
      expect: { default: 403, ...CLIN_DENY, ...OUTSIDERS, 'lankao.doctor': 200 },
    },
    {
      name: 'GET /api/stats/consultations',
      method: 'GET',
      url: () => '/api/stats/consultations',
      expect: { default: 403, program: 200, sysadmin: 200, anonymous: 401 },
    },
  ];

  it('covers every consultations/patients/stats route', () => {
    const registered = t.app.printRoutes({ commonPrefix: false });
    for (const r of rows()) {
      const path = r.name
        .split(' ')[1]!
        .split('?')[0]!
        .replace(/^\/api\//, '');
      expect(registered.includes(path.split('/').pop()!.replace(/^:.*/, ''))).toBe(true);
    }
  });

  it.each(rows().map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const got: Record<string, number> = {};
    const want: Record<string, number> = {};
    for (const a of ACTORS) {
      // rows() is re-evaluated so fixture-dependent values (imagingInstalled) are current
      const r = rows().find((x) => x.name === row.name)!;
      const res = await t.as(s[a], {
        method: r.method,
        url: r.url(),
        ...(r.payload ? { payload: r.payload() as never } : {}),
        ...(r.headers ? { headers: r.headers } : {}),
      });
      got[a] = res.statusCode;
      want[a] = r.expect[a] ?? r.expect.default;
      if (
        r.leak &&
        res.statusCode === 200 &&
        ['linquan.doctor', 'wanquan.doctor', 'anzhen.cardio', 'anzhen.radiology'].includes(a)
      ) {
        expect(r.leak(res.body), `${a} must not see the fixture in ${r.name}`).toBe(false);
      }
    }
    expect(got).toEqual(want);
  });

  it('refuses a state-changing request without the CSRF header', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/consultations/${c.id}/messages`,
      payload: { body: 'no csrf' },
      cookies: { consult_sid: s['lankao.doctor']!.cookie },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('csrf');
  });
});
