/**
 * The worklist's case sections over generated requests (consultations/bulk.test-helper.ts, 4,500 rows): each
 * section's rows are exactly the first rows of the access policy's single OR predicate (`visibleCases`) with the
 * section's own clauses, in the section's order, and its count is exact below CONSULTATION_COUNT_CAP and capped
 * (`totalCapped`) above it (the triage queue here holds more than the cap). Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  CONSULTATION_COUNT_CAP,
  QUEUE_STATES,
  TERMINAL_STATES,
  WORKLIST_SECTION_LIMIT,
  type CountyWorklist,
  type SpecialistWorklist,
} from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { visibleCases } from '../access/policy';
import { createRequest } from '../consultations/testkit';
import { actorByUsername, insertBulkConsultations } from '../consultations/bulk.test-helper';

describe.each(DIALECTS)('worklist sections at scale (%s)', (dialect) => {
  let t: TestApp;
  const s: Record<string, Session> = {};

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    for (const u of ['lankao.doctor', 'pku.cardio']) s[u] = await t.login(u);
    const template = await createRequest(t, s['lankao.doctor']!);
    await insertBulkConsultations(t.db, {
      templateId: template.id,
      count: 4500,
      assignTo: s['pku.cardio']!.userId,
      assignEvery: 7,
    });
  }, 180_000);
  afterAll(() => t?.close(), 60_000);

  /** The reference: the policy's OR predicate over the whole table, the section's clauses, its order. */
  async function reference(username: string, section: 'triage' | 'mine' | 'drafts') {
    const a = await actorByUsername(t.db, username);
    let q = t.db.selectFrom('consultations as c').select('c.id').where(visibleCases(a));
    if (section === 'triage')
      q = q
        .where('c.state', 'in', [...QUEUE_STATES])
        .where('c.target_hospital_id', '=', a.hospitalId!)
        .orderBy(sql`coalesce(c.sla_due_at, 'infinity'::timestamptz)`)
        .orderBy('c.id');
    if (section === 'mine')
      q = q
        .where('c.assigned_to', '=', a.id)
        .where('c.state', 'not in', [...TERMINAL_STATES])
        .orderBy('c.updated_at', 'desc')
        .orderBy('c.id', 'desc');
    if (section === 'drafts')
      q = q
        .where('c.state', '=', 'draft')
        .where('c.requester_id', '=', a.id)
        .orderBy('c.updated_at', 'desc')
        .orderBy('c.id', 'desc');
    return (await q.execute()).map((r) => r.id);
  }

  const check = (
    got: { total: number; totalCapped?: boolean; items: { consultationId: string }[] },
    expected: string[],
  ) => {
    expect(got.items.map((i) => i.consultationId)).toEqual(expected.slice(0, WORKLIST_SECTION_LIMIT));
    expect(got.total).toBe(Math.min(expected.length, CONSULTATION_COUNT_CAP));
    expect(!!got.totalCapped).toBe(expected.length > CONSULTATION_COUNT_CAP);
  };

  it('specialist: the triage queue (more than the cap) and my cases', async () => {
    const res = await t.as(s['pku.cardio']!, { url: '/api/worklist' });
    expect(res.statusCode, res.body).toBe(200);
    const w = res.json<SpecialistWorklist>();
    const triage = await reference('pku.cardio', 'triage');
    expect(triage.length).toBeGreaterThan(CONSULTATION_COUNT_CAP);
    check(w.triage, triage);
    check(w.mine, await reference('pku.cardio', 'mine'));
  });

  it('county doctor: own drafts', async () => {
    const res = await t.as(s['lankao.doctor']!, { url: '/api/worklist' });
    expect(res.statusCode, res.body).toBe(200);
    const w = res.json<CountyWorklist>();
    const drafts = await reference('lankao.doctor', 'drafts');
    expect(drafts.length).toBeGreaterThan(WORKLIST_SECTION_LIMIT);
    check(w.drafts, drafts);
  });
});
