/**
 * The list's counts kept per data version (list-count-cache.ts) never answer a stale `total`: after every kind of
 * change that moves a visible set (a request filed, triaged and accepted, a care-team member added and removed, SQL
 * by hand, a new request of a patient whose list was empty), every user's `total` equals the access policy's count
 * over the table; while nothing changes (a rolled-back change included) the counts come from memory (a kept count or
 * a whole kept page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { ConsultationPage } from '@consult/shared';
import { DIALECTS, hospitalId, makeTestApp, type Session, type TestApp } from '../testing/harness';
import type { Actor } from '../auth/actor';
import { actorByUsername } from './bulk.test-helper';
import { visibleCases } from '../access/policy';
import { createCase, createPatient, createRequest, move } from './testkit';
import { listCountCacheStats } from './list-count-cache';
import { listPageCacheStats } from './list-page-cache';
import { DataVersion } from '../db/data-version';
import { waitFor } from '../testing/load';

type View = 'all' | 'queue' | 'mine';
interface Probe {
  user: string;
  view: View;
  urgency?: string;
  patient?: boolean;
}

describe.each(DIALECTS)('consultation list counts kept per data version (%s)', (dialect) => {
  let t: TestApp;
  const s: Record<string, Session> = {};
  let emptyPatient = '';

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    for (const u of ['lankao.doctor', 'pku.cardio', 'pku.nephro']) s[u] = await t.login(u);
    await createRequest(t, s['lankao.doctor']!);
    await createRequest(t, s['lankao.doctor']!, { urgency: 'emergency' });
    emptyPatient = (await createPatient(t, s['lankao.doctor']!)).id;
  }, 120_000);
  afterAll(() => t.close(), 60_000);

  const probes: Probe[] = [
    { user: 'lankao.doctor', view: 'all' },
    { user: 'lankao.doctor', view: 'mine', urgency: 'emergency' },
    { user: 'lankao.doctor', view: 'all', patient: true },
    { user: 'pku.cardio', view: 'queue' },
    { user: 'pku.cardio', view: 'mine' },
    { user: 'pku.cardio', view: 'all', urgency: 'emergency' },
    { user: 'pku.nephro', view: 'all' },
    { user: 'pku.nephro', view: 'mine' },
  ];
  const label = (p: Probe) =>
    `${p.user} ${p.view}${p.urgency ? ` ${p.urgency}` : ''}${p.patient ? ' patient' : ''}`;

  const actor = (username: string): Promise<Actor> => actorByUsername(t.db, username);

  /** The reference: the policy's OR predicate over the whole table, with the probe's filters, counted. */
  async function reference(p: Probe): Promise<number> {
    const a = await actor(p.user);
    let q = t.db
      .selectFrom('consultations as c')
      .select(sql<number>`count(*)::int`.as('n'))
      .where(visibleCases(a));
    if (p.view === 'queue') q = q.where('c.state', 'in', ['submitted', 'triaged']);
    if (p.view === 'mine')
      q = q.where(a.role === 'county_doctor' ? 'c.requester_id' : 'c.assigned_to', '=', a.id);
    if (p.urgency) q = q.where('c.urgency', '=', p.urgency as never);
    if (p.patient) q = q.where('c.patient_id', '=', emptyPatient);
    return (await q.executeTakeFirstOrThrow()).n;
  }

  /** Every probe's `total` as the list answers it, checked against the reference; returns them by label. */
  async function totals(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const p of probes) {
      const params = new URLSearchParams({ view: p.view, limit: '1' });
      if (p.urgency) params.set('urgency', p.urgency);
      if (p.patient) params.set('patientId', emptyPatient);
      const res = await t.as(s[p.user]!, { url: `/api/consultations?${params}` });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<ConsultationPage>();
      expect(page.total, label(p)).toBe(await reference(p));
      expect(page.items.length, label(p)).toBe(Math.min(1, page.total));
      out[label(p)] = page.total;
    }
    return out;
  }

  /** Counts answered from memory: a kept count, or a whole kept page (list-page-cache.ts). */
  const fromMemory = () => listCountCacheStats().hits + listPageCacheStats().hits;

  /**
   * Totals after a change, once this server has heard of it (a change by hand is announced at its commit,
   * db/data-version.ts; changes through the server show at once, list-page-cache.test.ts): each still exact; then
   * read again unchanged, every count from memory.
   */
  async function after(change: () => Promise<unknown>): Promise<Record<string, number>> {
    await change();
    const { rows } = await sql<{ v: string }>`select v::text as v from list_version`.execute(t.db);
    await waitFor(
      () => DataVersion.of(t.db, 'list')?.current() === rows[0]!.v,
      10_000,
      'the change to be announced',
    );
    const first = await totals();
    const before = fromMemory();
    expect(await totals()).toEqual(first);
    // Pages with rows are kept with their count; the empty patient's page has no row to carry the version.
    const withRows = probes.filter((p) => first[label(p)]! > 0).length;
    expect(fromMemory() - before).toBe(withRows);
    return first;
  }

  it('every change moves the totals it should, at once; unchanged data is served from memory', async () => {
    const lankao = s['lankao.doctor']!;
    const cardio = s['pku.cardio']!;
    const t0 = await after(async () => {});
    expect(t0).toMatchObject({ 'lankao.doctor all': 2, 'pku.cardio queue': 2, 'pku.nephro all': 2 });

    let filed = '';
    const t1 = await after(async () => (filed = (await createRequest(t, lankao)).id));
    expect(t1['lankao.doctor all']).toBe(3);
    expect(t1['pku.cardio queue']).toBe(3);

    const t2 = await after(async () => {
      expect((await move(t, cardio, filed, { to: 'triaged', assigneeId: cardio.userId })).statusCode).toBe(
        200,
      );
      expect((await move(t, cardio, filed, { to: 'accepted' })).statusCode).toBe(200);
    });
    expect(t2['pku.cardio queue']).toBe(2);
    expect(t2['pku.cardio mine']).toBe(t1['pku.cardio mine']! + 1);

    const team = `/api/consultations/${filed}/team`;
    const t3 = await after(async () => {
      const res = await t.as(cardio, {
        method: 'POST',
        url: team,
        payload: { userId: s['pku.nephro']!.userId, purpose: 'second_opinion' },
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
    });
    // Accepted, the request left the queue nephrology shares; on the team, nephrology sees it again.
    expect(t3['pku.nephro all']).toBe(t2['pku.nephro all']! + 1);

    const t4 = await after(async () => {
      const res = await t.as(cardio, { method: 'DELETE', url: `${team}/${s['pku.nephro']!.userId}` });
      expect(res.statusCode, res.body).toBeLessThan(300);
    });
    expect(t4['pku.nephro all']).toBe(t2['pku.nephro all']);

    // Whoever writes: SQL by hand moves the version too.
    const t5 = await after(() =>
      t.db.updateTable('consultations').set({ urgency: 'emergency' }).where('id', '=', filed).execute(),
    );
    expect(t5['pku.cardio all emergency']).toBe(t4['pku.cardio all emergency']! + 1);
    expect(t5['lankao.doctor mine emergency']).toBe(t4['lankao.doctor mine emergency']! + 1);

    // A change rolled back moves nothing: the same totals, still from memory.
    const rolledBack = new Error('rolled back');
    const t6 = await after(() =>
      t.db
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('care_team_members')
            .values({
              consultation_id: filed,
              user_id: s['pku.nephro']!.userId,
              purpose: 'second_opinion',
              added_by: cardio.userId,
            } as never)
            .execute();
          throw rolledBack;
        })
        .catch((e: unknown) => expect(e).toBe(rolledBack)),
    );
    expect(t6).toEqual(t5);

    // A patient whose list was empty: the page has no row, so its count is read on its own, and it moves.
    expect(t6['lankao.doctor all patient']).toBe(0);
    const t7 = await after(async () => {
      const withCase = await createCase(t, lankao, emptyPatient);
      const res = await t.as(lankao, {
        method: 'POST',
        url: '/api/consultations',
        payload: {
          patientId: emptyPatient,
          caseId: withCase.cases[0]!.id,
          type: 'remote_consultation',
          urgency: 'routine',
          clinicalQuestion: '复查 Follow-up',
          targetHospitalId: await hospitalId(t.db, 'Peking University First'),
        },
      });
      expect(res.statusCode, res.body).toBe(201);
    });
    expect(t7['lankao.doctor all patient']).toBe(1);
  });
});
