/**
 * The access matrix, generated: every registered route × every demo user (and anonymous) × the objects of the
 * world (cases A–D of two county hospitals paired with PKU, one with Anzhen, a co-consultant, a draft, a live round
 * presenting a case to another county's doctor). For each answer it asserts that nothing of a patient the user
 * is not entitled to (name, UIDs, report text, attachment bytes) appears in it, whatever the status; that
 * refusals are 401/403/404 (never 2xx or 5xx); and that the entitled readers do get the object. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import {
  buildWorld,
  forbiddenMarkers,
  USERS,
  type CaseObj,
  type UserName,
  type World,
} from './world.test-helper';

const NIL = '00000000-0000-0000-0000-000000000000';

/** The URL of `route` pointed at case `c` (null when the route has no object of a case). */
function urlFor(route: string, c: CaseObj, w: World): string | null {
  const objectRoute = /:|\*/.test(route);
  if (!objectRoute) return null;
  let url = route;
  const pick = (name: string): string => {
    if (route.startsWith('/api/consultations/') || route.startsWith('/api/consultations/:'))
      if (name === 'id' || name === 'consultationId') return c.consultation.id;
    if (name === 'consultationId') return c.consultation.id;
    if (route.startsWith('/api/patients/') && name === 'id') return c.patientId;
    if (route.startsWith('/api/reports/') && name === 'id') return c.reportId ?? NIL;
    if (route.startsWith('/api/imaging/studies/') && name === 'id') return c.imagingStudyId;
    if (route.startsWith('/api/rounds/') && name === 'id') return w.roundId;
    if (name === 'attachmentId') return c.attachmentId ?? NIL;
    if (name === 'caseId') return c.consultation.caseId;
    if (name === 'study' || name === 'studyUid' || name === 'uid') return c.studyUid;
    if (name === 'series' || name === 'seriesUid') return c.seriesUid;
    if (name === 'instance' || name === 'sopUid' || name === 'instanceUid') return c.sopUid;
    if (name === 'frames' || name === 'frame') return '1';
    if (name === 'userId') return NIL;
    return NIL;
  };
  url = url.replace(/:([A-Za-z]+)/g, (_m, name: string) => pick(name));
  url = url.replace('*', '');
  return url;
}

const REFUSED = new Set([401, 403, 404]);
const BEFORE_OBJECT = new Set([400, 415, 429]);

describe.each(DIALECTS)('one access policy, every route (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  let routes: { method: string; url: string }[];

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    w = await buildWorld(t);
    routes = (t.app as unknown as { registeredRoutes: { method: string; url: string }[] }).registeredRoutes
      .filter(
        (r) => /^\/(api|dicomweb|wado)(\/|$)/.test(r.url) && r.method !== 'HEAD' && r.method !== 'OPTIONS',
      )
      .filter(
        (r) => !r.url.startsWith('/api/docs') && r.url !== '/api/auth/logout' && r.url !== '/api/auth/login',
      );
  }, 300_000);
  afterAll(() => t?.close(), 60_000);

  const who = (u: UserName | 'anonymous'): Session | null => (u === 'anonymous' ? null : w.s[u]);
  const send = (u: UserName | 'anonymous', method: string, url: string) =>
    t.as(who(u), {
      method: method as 'GET',
      url,
      ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
      headers: { accept: '*/*' },
    });

  it('reads: no answer to anyone carries a patient they are not entitled to', async () => {
    const leaks: string[] = [];
    const errors: string[] = [];
    let calls = 0;
    for (const r of routes.filter((x) => x.method === 'GET')) {
      const targets = Object.values(w.cases)
        .map((c) => urlFor(r.url, c, w))
        .filter((u): u is string => !!u);
      const urls = targets.length ? [...new Set(targets)] : [r.url];
      for (const url of urls) {
        for (const u of [...USERS, 'anonymous'] as const) {
          const res = await send(u, 'GET', url);
          calls++;
          if (res.statusCode >= 500) errors.push(`${u} GET ${url} → ${res.statusCode}`);
          const body = res.rawPayload.toString('latin1');
          for (const m of forbiddenMarkers(w, u))
            if (body.includes(m)) leaks.push(`${u} GET ${url} → ${res.statusCode} shows ${m}`);
        }
      }
    }
    expect(calls).toBeGreaterThan(500);
    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
  }, 600_000);

  it('writes: outsiders are refused on every object route and learn nothing', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.method !== 'GET')) {
      for (const c of Object.values(w.cases)) {
        const url = urlFor(r.url, c, w);
        if (!url) continue;
        for (const u of [...USERS, 'anonymous'] as const) {
          if (u !== 'anonymous' && c.readers.includes(u)) continue;
          if (r.url.startsWith('/api/rounds') && u === 'pku.cardio') continue; // the round's host
          const res = await send(u, r.method, url);
          const body = res.rawPayload.toString('latin1');
          const leaked = forbiddenMarkers(w, u).filter((m) => body.includes(m));
          // Refusals of the request itself before any object is looked at also teach nothing: a body the schema
          // refuses (400 naming a field), a media type (415), the signing rate limit (429).
          if ((!REFUSED.has(res.statusCode) && !BEFORE_OBJECT.has(res.statusCode)) || leaked.length)
            wrong.push(`${u} ${r.method} ${url} (case ${c.key}) → ${res.statusCode} ${leaked.join(',')}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 600_000);

  it('the entitled get their cases; a round shows nothing to an invitee outside the care team', async () => {
    for (const c of Object.values(w.cases)) {
      for (const u of USERS) {
        const detail = await send(u, 'GET', `/api/consultations/${c.consultation.id}`);
        const images = await send(u, 'GET', `/dicomweb/studies/${c.studyUid}/metadata`);
        const entitled = c.readers.includes(u);
        const admin = u === 'program' || u === 'sysadmin';
        expect([u, c.key, detail.statusCode]).toEqual([u, c.key, entitled ? 200 : admin ? 403 : 404]);
        expect([u, c.key, images.statusCode]).toEqual([u, c.key, entitled ? 200 : admin ? 403 : 404]);
      }
    }
    const a = w.cases.A;
    const report = await send('lankao.doctor', 'GET', `/api/reports/${a.reportId}`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain(`${a.markers[0]}REPORT`);
    // linquan.doctor is invited to the live round presenting A: the round is visible, A is not.
    expect((await send('linquan.doctor', 'GET', `/api/rounds/${w.roundId}`)).statusCode).toBe(200);
    expect((await send('linquan.doctor', 'GET', `/dicomweb/studies?PatientName=*`)).body).not.toContain(
      a.markers[0],
    );
  });
});
