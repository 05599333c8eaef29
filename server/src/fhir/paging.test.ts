/**
 * FHIR search paging (R4 http.html#paging): walking every page by its `next` links gives exactly the unpaged set,
 * in the same order, each page a valid R4 searchset with Bundle.total and self/first/previous/next links; `_sort`
 * by date; `_count=0` answers the total alone; a malformed `_count`/`_offset`/`_sort` is a 400 OperationOutcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '@medplum/fhirtypes';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest } from '../consultations/testkit';
import { fhirIssues } from './validate.test-helper';

const REQUESTS = 7;

describe('FHIR search paging', () => {
  let t: TestApp;
  let doctor: Session;
  let sysadmin: Session;

  beforeAll(async () => {
    t = await makeTestApp('pglite');
    doctor = await t.login('lankao.doctor');
    sysadmin = await t.login('sysadmin');
    for (let i = 0; i < REQUESTS; i++) await createRequest(t, doctor);
  }, 600_000);
  afterAll(() => t?.close(), 60_000);

  const bundle = async (s: Session, url: string): Promise<Bundle> => {
    const res = await t.as(s, { method: 'GET', url });
    expect([url, res.statusCode]).toEqual([url, 200]);
    const b = res.json() as Bundle;
    expect(fhirIssues(b)).toEqual([]);
    return b;
  };
  const link = (b: Bundle, relation: string) => b.link?.find((l) => l.relation === relation)?.url;
  const ids = (b: Bundle) =>
    (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
  /** Follows `next` from the first page; every page checked for its total and links. */
  async function walk(s: Session, first: string, count: number): Promise<{ ids: string[]; pages: number }> {
    const seen: string[] = [];
    let url: string | undefined = first;
    let pages = 0;
    let total: number | undefined;
    while (url && pages < 100) {
      const path: string =
        new URL(url, 'http://localhost').pathname + new URL(url, 'http://localhost').search;
      const b = await bundle(s, path);
      total ??= b.total;
      expect(b.total).toBe(total);
      expect(ids(b).length).toBeLessThanOrEqual(count);
      expect(link(b, 'self')).toContain(path.split('?')[0]);
      expect(link(b, 'first')).toMatch(/_offset=0/);
      if (pages === 0) expect(link(b, 'previous')).toBeUndefined();
      else expect(link(b, 'previous')).toMatch(new RegExp(`_offset=${(pages - 1) * count}(&|$)`));
      seen.push(...ids(b));
      url = link(b, 'next');
      pages++;
    }
    expect(seen.length).toBe(total);
    return { ids: seen, pages };
  }

  it('walking all pages by `next` equals the unpaged search, for every type', async () => {
    const cases: [Session, string, number][] = [
      [doctor, 'Patient', 3],
      [doctor, 'Condition', 3],
      [doctor, 'ServiceRequest', 2],
      [doctor, 'CarePlan', 4],
      [doctor, 'Organization', 2],
      [sysadmin, 'AuditEvent', 25],
    ];
    // Every search is audited, so the audit trail is frozen at an instant for its walk.
    const until = `date=lt${new Date().toISOString()}`;
    for (const [s, type, count] of cases) {
      const q = type === 'AuditEvent' ? `&${until.replace('+', '%2B')}` : '';
      const whole = await bundle(s, `/fhir/${type}?_count=200${q}`);
      expect([type, link(whole, 'next')]).toEqual([type, undefined]);
      const paged = await walk(s, `/fhir/${type}?_count=${count}${q}`, count);
      expect([type, paged.ids]).toEqual([type, ids(whole)]);
      expect([type, whole.total]).toEqual([type, ids(whole).length]);
      expect([type, paged.pages]).toEqual([type, Math.ceil(whole.total! / count)]);
      expect(whole.total).toBeGreaterThan(count);
    }
  }, 300_000);

  it('the default page is 50 and the largest 200; paging keeps the other parameters', async () => {
    const audit = await bundle(sysadmin, '/fhir/AuditEvent');
    expect(audit.total).toBeGreaterThan(50);
    expect(ids(audit)).toHaveLength(50);
    const next = link(audit, 'next')!;
    expect(next).toMatch(/_count=50/);
    expect(next).toMatch(/_offset=50/);
    const sr = await bundle(doctor, '/fhir/ServiceRequest?status=draft,active&_count=2');
    expect(link(sr, 'next')).toMatch(/status=draft(%2C|,)active/);
    const over = await t.as(sysadmin, { method: 'GET', url: '/fhir/AuditEvent?_count=201' });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
    expect(over.body).toContain('_count');
  });

  it('_count=0 answers the total alone; an offset past the end is an empty page with the total', async () => {
    const whole = await bundle(doctor, '/fhir/Condition?_count=200');
    const none = await bundle(doctor, '/fhir/Condition?_count=0');
    expect(none.total).toBe(whole.total);
    expect(none.entry ?? []).toEqual([]);
    const past = await bundle(doctor, `/fhir/Condition?_count=5&_offset=${whole.total! + 10}`);
    expect(past.total).toBe(whole.total);
    expect(past.entry ?? []).toEqual([]);
    expect(link(past, 'next')).toBeUndefined();
    expect(link(past, 'previous')).toBeDefined();
  });

  it('_sort=date is oldest first, -date (the default) newest first; other sorts are refused', async () => {
    const newest = await bundle(doctor, '/fhir/ServiceRequest?_sort=-date&_count=200');
    const dflt = await bundle(doctor, '/fhir/ServiceRequest?_count=200');
    const oldest = await bundle(doctor, '/fhir/ServiceRequest?_sort=date&_count=200');
    expect(ids(dflt)).toEqual(ids(newest));
    expect(ids(oldest)).toEqual([...ids(newest)].reverse());
    const sortedWalk = await walk(doctor, '/fhir/ServiceRequest?_sort=date&_count=3', 3);
    expect(sortedWalk.ids).toEqual(ids(oldest));
    for (const bad of [
      '/fhir/ServiceRequest?_sort=name',
      '/fhir/Patient?_sort=date',
      '/fhir/Condition?_offset=-1',
      '/fhir/Condition?_offset=abc',
      '/fhir/Condition?_count=2.5',
    ]) {
      const res = await t.as(doctor, { method: 'GET', url: bad });
      expect([bad, res.statusCode]).toEqual([bad, 400]);
      expect(res.json().resourceType).toBe('OperationOutcome');
      expect(res.body).toMatch(/_sort|_offset|_count/);
    }
  });
});
