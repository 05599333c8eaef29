/**
 * The access matrix, extended with service clients: every registered GET route of DICOMweb, WADO-URI and FHIR ×
 * a service client of each county hospital and of PKU (all permissions) × the world's cases A–D. A service client
 * stands like a clinician of its hospital (the cases its hospital requested), never like a consultant: nothing of
 * another hospital's patient appears in any answer, refusals are 401/403/404, never 5xx. The rest of the API
 * ignores bearer tokens (401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hospitalId, makeTestApp, type TestApp } from '../testing/harness';
import { buildWorld, type CaseObj, type World } from '../access/world.test-helper';
import { createServiceClient, tokenFor } from './testkit';

const HOSPITALS = {
  Lankao: 'A',
  Wanquan: 'B',
  Linquan: 'C',
  Yonghe: 'D',
  'Peking University First': null,
} as const;

function urlFor(route: string, c: CaseObj): string {
  return route
    .replace(':study', c.studyUid)
    .replace(':series', c.seriesUid)
    .replace(':instance', c.sopUid)
    .replace(':frames', '1')
    .replace(':tag', '7FE00010')
    .replace(':id', c.patientId);
}

describe('service clients in the access matrix', () => {
  let t: TestApp;
  let w: World;
  const tokens: { hospital: string; owns: CaseObj['key'] | null; token: string }[] = [];

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    w = await buildWorld(t);
    for (const [name, owns] of Object.entries(HOSPITALS)) {
      const c = await createServiceClient(t, w.s.program, await hospitalId(t.db, name), [
        'studies:read',
        'studies:upload',
        'fhir:read',
      ]);
      tokens.push({ hospital: name, owns, token: await tokenFor(t, c) });
    }
  }, 600_000);
  afterAll(() => t?.close(), 60_000);

  it("no GET of DICOMweb, WADO-URI or FHIR shows a service client another hospital's patient", async () => {
    const routes = t.app.registeredRoutes.filter(
      (r) => r.method === 'GET' && /^\/(dicomweb|wado|fhir)(\/|$)/.test(r.url),
    );
    expect(routes.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    const wrong: string[] = [];
    for (const r of routes) {
      for (const c of Object.values(w.cases)) {
        const url =
          urlFor(r.url, c) +
          (r.url === '/wado'
            ? `?requestType=WADO&studyUID=${c.studyUid}&seriesUID=${c.seriesUid}&objectUID=${c.sopUid}`
            : '');
        for (const k of tokens) {
          const res = await t.app.inject({
            method: 'GET',
            url,
            headers: { authorization: `Bearer ${k.token}`, accept: '*/*' },
          });
          if (res.statusCode >= 500) wrong.push(`${k.hospital} GET ${url} → ${res.statusCode}`);
          const body = res.rawPayload.toString('latin1');
          for (const other of Object.values(w.cases))
            if (other.key !== k.owns)
              for (const m of other.markers)
                if (body.includes(m)) leaks.push(`${k.hospital} GET ${url} shows ${m}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(leaks).toEqual([]);
  }, 900_000);

  it("each client reaches its own hospital's case images and nothing else", async () => {
    for (const k of tokens) {
      for (const c of Object.values(w.cases)) {
        const res = await t.app.inject({
          method: 'GET',
          url: `/dicomweb/studies/${c.studyUid}/metadata`,
          headers: { authorization: `Bearer ${k.token}` },
        });
        expect([k.hospital, c.key, res.statusCode]).toEqual([
          k.hospital,
          c.key,
          c.key === k.owns ? 200 : 404,
        ]);
      }
    }
  });

  it('the rest of the API ignores bearer tokens', async () => {
    const api = t.app.registeredRoutes.filter(
      (r) => r.method === 'GET' && r.url.startsWith('/api/') && !r.url.startsWith('/api/docs'),
    );
    for (const r of api) {
      const res = await t.app.inject({
        method: 'GET',
        url: r.url.replace(/:[A-Za-z]+/g, '00000000-0000-0000-0000-000000000000'),
        headers: { authorization: `Bearer ${tokens[0]!.token}` },
      });
      if (res.statusCode !== 200) expect([r.url, res.statusCode]).toEqual([r.url, 401]);
    }
  });
});
