/**
 * The keyset-paginated consultation list: walking every page by `nextCursor` yields exactly the rows the access
 * policy's single OR predicate (`visibleCases`) selects, in order, none twice (ties on the sort key included), for
 * every view and several users; the count is exact below the cap and capped above it; offsets and foreign or
 * forged cursors are refused with a 400 naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { CONSULTATION_COUNT_CAP, type ConsultationPage } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import type { Actor } from '../auth/actor';
import { visibleCases } from '../access/policy';
import { createRequest } from './testkit';
import { actorByUsername, insertBulkConsultations } from './bulk.test-helper';
import { listPage } from './list-queries';

const RANK = sql`(case c.urgency when 'emergency' then 0 when 'urgent' then 1 else 2 end)`;

describe.each(DIALECTS)('consultation list by keyset (%s)', (dialect) => {
  let t: TestApp;
  const s: Record<string, Session> = {};
  const actor = (username: string): Promise<Actor> => actorByUsername(t.db, username);

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    for (const u of [
      'lankao.doctor',
      'linquan.doctor',
      'pku.cardio',
      'pku.nephro',
      'pku.radiology',
      'anzhen.cardio',
      'program',
    ])
      s[u] = await t.login(u);
    const template = await createRequest(t, s['lankao.doctor']!);
    await createRequest(t, s['linquan.doctor']!);
    await insertBulkConsultations(t.db, {
      templateId: template.id,
      count: 1100,
      assignTo: s['pku.cardio']!.userId,
      assignEvery: 7,
    });
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  /** Every page of a list, following nextCursor. */
  async function walk(
    user: string,
    query: string,
    limit: number,
  ): Promise<{ ids: string[]; first: ConsultationPage }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let first: ConsultationPage | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const url: string = `/api/consultations?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.as(s[user]!, { url });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<ConsultationPage>();
      first ??= page;
      ids.push(...page.items.map((i) => i.id));
      if (!page.nextCursor) return { ids, first };
      expect(page.items).toHaveLength(limit);
      cursor = page.nextCursor;
    }
    throw new Error('more than 1000 pages');
  }

  /** The reference: the policy's OR predicate over the whole table, sorted like the list. */
  async function reference(
    user: string,
    view: 'all' | 'queue' | 'mine',
    urgency?: string,
  ): Promise<string[]> {
    const a = await actor(user);
    let q = t.db.selectFrom('consultations as c').select('c.id').where(visibleCases(a));
    if (view === 'queue') q = q.where('c.state', 'in', ['submitted', 'triaged']);
    if (view === 'mine')
      q = q.where(a.role === 'county_doctor' ? 'c.requester_id' : 'c.assigned_to', '=', a.id);
    if (urgency) q = q.where('c.urgency', '=', urgency as never);
    const rows = await (
      view === 'queue'
        ? q
            .orderBy(RANK)
            .orderBy(sql`coalesce(c.sla_due_at, 'infinity'::timestamptz)`)
            .orderBy('c.id')
        : q.orderBy('c.updated_at', 'desc').orderBy('c.id', 'desc')
    ).execute();
    return rows.map((r) => r.id);
  }

  const cases: [string, 'all' | 'queue' | 'mine', string?][] = [
    ['lankao.doctor', 'all'],
    ['lankao.doctor', 'queue'],
    ['lankao.doctor', 'mine', 'emergency'],
    ['pku.cardio', 'queue'],
    ['pku.cardio', 'mine'],
    ['pku.cardio', 'all'],
    ['pku.nephro', 'all', 'urgent'],
    ['linquan.doctor', 'all'],
    ['pku.radiology', 'queue'],
    ['anzhen.cardio', 'all'],
  ];
  it.each(cases)(
    '%s, view %s %s: the pages are exactly the visible rows, in order, once each',
    async (user, view, urgency) => {
      const expected = await reference(user, view, urgency);
      const { ids, first } = await walk(user, `view=${view}${urgency ? `&urgency=${urgency}` : ''}`, 97);
      expect(ids).toEqual(expected);
      expect(new Set(ids).size).toBe(ids.length);
      expect(first.total).toBe(Math.min(expected.length, CONSULTATION_COUNT_CAP));
      expect(first.totalCapped).toBe(expected.length > CONSULTATION_COUNT_CAP);
    },
  );

  it('another county and another tertiary hospital see none of the generated rows; administrators no list', async () => {
    expect((await reference('linquan.doctor', 'all')).length).toBe(1);
    expect((await reference('anzhen.cardio', 'all')).length).toBe(0);
    expect((await t.as(s['program']!, { url: '/api/consultations' })).statusCode).toBe(403);
  });

  it('runs the page as a named prepared statement (parsed once per connection), on PostgreSQL and PGlite alike', async () => {
    const a = await actor('pku.cardio');
    const [first, after] = await t.db.connection().execute(async (conn) => {
      const read = async () =>
        (
          await sql<{
            name: string;
            statement: string;
          }>`select name, statement from pg_prepared_statements`.execute(conn)
        ).rows.filter((r) => r.statement.includes('/*prepared*/'));
      await listPage(conn, a, { view: 'all' }, null, 20);
      const once = await read();
      for (const cursor of [null, null]) await listPage(conn, a, { view: 'all' }, cursor, 20);
      return [once, await read()];
    });
    // The page's statement is prepared once per connection under a name derived from its text; running the same
    // page again prepares nothing new (other views prepared earlier on this pooled connection stay as they were).
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(after.map((r) => r.name).sort()).toEqual(first.map((r) => r.name).sort());
    for (const r of after) expect(r.name).toMatch(/^p_[0-9a-f]{40}$/);
  });

  it('refuses offset, a forged cursor and a cursor of another view with 400 naming the parameter', async () => {
    const get = (url: string) => t.as(s['pku.cardio']!, { url });
    const offset = await get('/api/consultations?offset=50');
    expect(offset.statusCode).toBe(400);
    expect(offset.json()).toMatchObject({ field: 'offset' });
    const queue = (await get('/api/consultations?view=queue&limit=5')).json<ConsultationPage>();
    const foreign = await get(`/api/consultations?view=mine&cursor=${queue.nextCursor}`);
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ field: 'cursor' });
    const forged = Buffer.from(JSON.stringify(['r', "2026-01-01'; drop table x", 'x'])).toString('base64url');
    for (const c of [forged, 'not-a-cursor', 'W10']) {
      const res = await get(`/api/consultations?cursor=${c}`);
      expect(res.statusCode, c).toBe(400);
      expect(res.json()).toMatchObject({ field: 'cursor' });
    }
  });
});
