/**
 * The FHIR R4 read API over the access world (cases A–D of four county hospitals, PKU and Anzhen): every resource
 * any demo user or service client receives validates against R4 (@medplum/core); nobody receives a marker of a
 * patient they are not entitled to, in reads or searches; an outsider's read is 404 (OperationOutcome), their
 * search empty; bearer and session alike; AuditEvent only for the system administrator; CapabilityStatement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hospitalId, makeTestApp, type TestApp } from '../testing/harness';
import { buildWorld, forbiddenMarkers, USERS, type UserName, type World } from '../access/world.test-helper';
import { createServiceClient, tokenFor } from '../oauth/testkit';
import { fhirIssues } from './validate.test-helper';

const TYPES = [
  'Patient',
  'Condition',
  'ServiceRequest',
  'ImagingStudy',
  'DiagnosticReport',
  'CarePlan',
  'Provenance',
];
const CLINICIANS = USERS.filter((u) => u !== 'program' && u !== 'sysadmin');

describe('FHIR R4 read API', () => {
  let t: TestApp;
  let w: World;
  /** A service client with fhir:read per county hospital, standing like that hospital's doctor. */
  const bearer: Partial<Record<UserName, string>> = {};

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    w = await buildWorld(t);
    const program = w.s.program;
    for (const [u, h] of [
      ['lankao.doctor', 'Lankao'],
      ['pku.cardio', 'Peking University First'],
    ] as const) {
      const c = await createServiceClient(t, program, await hospitalId(t.db, h), ['fhir:read'], `${h} FHIR`);
      bearer[u] = await tokenFor(t, c);
    }
  }, 600_000);
  afterAll(() => t?.close(), 60_000);

  const get = (u: UserName, url: string, viaBearer = false) =>
    viaBearer
      ? t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer[u]}` } })
      : t.as(w.s[u], { method: 'GET', url });

  it('serves the CapabilityStatement without sign-in', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/fhir/metadata' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(fhirIssues(res.json())).toEqual([]);
  });

  it("every search by every clinician (and service client) is valid R4 and carries no one else's patient", async () => {
    const leaks: string[] = [];
    const invalid: string[] = [];
    const callers = [
      ...CLINICIANS.map((u) => [u, false] as const),
      ...(Object.keys(bearer) as UserName[]).map((u) => [u, true] as const),
    ];
    for (const [u, viaBearer] of callers) {
      for (const type of TYPES) {
        const incl =
          type === 'DiagnosticReport'
            ? '&_revinclude=Provenance:target&_include=DiagnosticReport:subject'
            : `&_include=${type}:subject`;
        const res = await get(u, `/fhir/${type}?_count=200${incl}`, viaBearer);
        expect([u, type, res.statusCode]).toEqual([u, type, 200]);
        const bundle = res.json();
        for (const issue of fhirIssues(bundle)) invalid.push(`${u} ${type}: ${issue}`);
        // A service client stands like its hospital's doctors: never a consultant, so PKU's sees none of A–D.
        const markers =
          viaBearer && u === 'pku.cardio'
            ? Object.values(w.cases).flatMap((c) => c.markers)
            : forbiddenMarkers(w, u);
        for (const m of markers)
          if (res.body.includes(m)) leaks.push(`${u}${viaBearer ? ' (bearer)' : ''} ${type} shows ${m}`);
      }
    }
    expect(invalid).toEqual([]);
    expect(leaks).toEqual([]);
  }, 600_000);

  it('readers read their case as FHIR; outsiders get 404 OperationOutcome and an empty search', async () => {
    for (const c of Object.values(w.cases)) {
      for (const u of CLINICIANS) {
        const res = await get(u, `/fhir/ServiceRequest/${c.consultation.id}`);
        const entitled = c.readers.includes(u);
        expect([u, c.key, res.statusCode]).toEqual([u, c.key, entitled ? 200 : 404]);
        if (!entitled) {
          expect(res.json().resourceType).toBe('OperationOutcome');
          const search = await get(u, `/fhir/Condition?patient=Patient/${c.patientId}`);
          expect(search.json().total).toBe(0);
          const studies = await get(u, `/fhir/ImagingStudy?patient=${c.patientId}`);
          expect(studies.body).not.toContain(c.studyUid);
        }
      }
    }
    const a = w.cases.A;
    const report = await get('lankao.doctor', `/fhir/DiagnosticReport/${a.reportId}`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain(`${a.markers[0]}REPORT`);
    const prov = await get('lankao.doctor', `/fhir/Provenance?target=DiagnosticReport/${a.reportId}`);
    expect(prov.json().entry[0].resource.signature[0].data.length).toBeGreaterThan(40);
    const study = await get('lankao.doctor', `/fhir/ImagingStudy?patient=Patient/${a.patientId}`);
    const res = study.json().entry[0].resource;
    expect(res.contained[0]).toMatchObject({
      resourceType: 'Endpoint',
      address: expect.stringMatching(/\/dicomweb$/),
    });
    expect(res.series[0].uid).toBe(a.seriesUid);
    const viaBearer = await get('lankao.doctor', `/fhir/Patient/${a.patientId}`, true);
    expect(viaBearer.statusCode).toBe(200);
    expect((await get('pku.cardio', `/fhir/Patient/${a.patientId}`, true)).statusCode).toBe(404);
  });

  it('searches by status and date; refuses a malformed date with an OperationOutcome naming it', async () => {
    const a = w.cases.A;
    const today = new Date().toISOString().slice(0, 10);
    const byDate = await get('lankao.doctor', `/fhir/ServiceRequest?date=ge${today}&status=active`);
    expect(byDate.body).toContain(a.consultation.id);
    const past = await get('lankao.doctor', `/fhir/ServiceRequest?date=lt2000-01-01`);
    expect(past.json().total).toBe(0);
    const bad = await get('lankao.doctor', `/fhir/ServiceRequest?date=yesterday`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
    expect(bad.body).toContain('date');
  });

  it('AuditEvent is for the system administrator only; the reads are audited', async () => {
    const audit = await t.as(w.s.sysadmin, { method: 'GET', url: '/fhir/AuditEvent?_count=20' });
    expect(audit.statusCode).toBe(200);
    expect(fhirIssues(audit.json())).toEqual([]);
    expect(audit.body).toContain('fhir.search');
    expect((await get('lankao.doctor', '/fhir/AuditEvent')).statusCode).toBe(403);
    expect((await t.as(w.s.sysadmin, { method: 'GET', url: '/fhir/Patient' })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/fhir/Patient' })).statusCode).toBe(401);
  });
});
