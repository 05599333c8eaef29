/**
 * The dashboard served from its cache is exactly the dashboard computed from the tables: after a generated mix of
 * changes (state moves, new and deleted requests, reports signed and acknowledged, poverty flags, rounds held,
 * hospitals renamed, a rolled-back change, an SLA that breaches with time alone), every read through the API
 * equals a fresh computation, and unchanged data is served from memory. Both dialects.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardQuery } from '@consult/shared';
import { DIALECTS } from '../testing/harness';
import { openDashboardFixture, PROGRAM_A, type DashboardFixture } from './fixtures.test-helper';
import { computeDashboard } from './service';
import { dashboardCacheStats } from './cache';

const YEAR: DashboardQuery = { from: '2025-01-01', to: '2025-12-31' };
const STATES = ['submitted', 'triaged', 'accepted', 'in_progress', 'report_pending', 'completed', 'declined'];

/** A small deterministic generator (the mix is the same on every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe.each(DIALECTS)('dashboard cache (%s)', (dialect) => {
  let f: DashboardFixture;
  beforeAll(async () => {
    f = await openDashboardFixture(dialect);
  }, 120_000);
  afterAll(async () => f?.t.close());

  const same = async (qs = '', query: DashboardQuery = YEAR) =>
    expect(await f.get(qs)).toEqual(await computeDashboard(f.t.db, query));

  it('serves unchanged data from memory, and exactly the fresh figures after every change', async () => {
    const db = f.t.db;
    await same();
    const before = dashboardCacheStats();
    await same();
    await same();
    expect(dashboardCacheStats().hits - before.hits).toBe(2);
    expect(dashboardCacheStats().computed).toBe(before.computed);

    const pick = rng(20261203);
    const ids = f.g.consultations.map((c) => c.id);
    const any = () => ids[pick(ids.length)]!;
    const changes: [string, () => Promise<unknown>][] = [
      [
        'state moves',
        () =>
          sql`update consultations set state = ${STATES[pick(STATES.length)]!} where id = ${any()}`.execute(
            db,
          ),
      ],
      [
        'a request is copied into the year',
        async () => {
          const id = crypto.randomUUID();
          await sql`insert into consultations (id, patient_id, case_id, requesting_hospital_id, requester_id, target_hospital_id,
            type, urgency, state, clinical_question, submitted_at, sla_due_at)
          select ${id}::uuid, patient_id, case_id, requesting_hospital_id, requester_id, target_hospital_id, type, urgency,
            'submitted', 'q', timestamptz '2025-06-15 08:00:00+00', timestamptz '2025-06-17 08:00:00+00'
          from consultations where id = ${any()}`.execute(db);
        },
      ],
      [
        'a request is deleted',
        async () => {
          const id = ids.splice(pick(ids.length), 1)[0]!;
          await sql`delete from reports where consultation_id = ${id}`.execute(db);
          await sql`delete from consultations where id = ${id}`.execute(db);
        },
      ],
      [
        'a report is acknowledged',
        () =>
          sql`update reports set acknowledged_at = now(), status = 'acknowledged'
          where id = (select id from reports where acknowledged_at is null order by id limit 1)`.execute(db),
      ],
      [
        'a report is signed later',
        () =>
          sql`update reports set first_signed_at = first_signed_at + interval '7 hours'
          where consultation_id = ${any()}`.execute(db),
      ],
      [
        'a patient is poverty-registered',
        () =>
          sql`update patients set poverty_registered = not poverty_registered
          where id = (select patient_id from consultations where id = ${any()})`.execute(db),
      ],
      [
        'a round is held',
        () =>
          sql`update rounds set ended_at = ended_at + interval '30 minutes'
          where id = ${f.g.rounds[pick(f.g.rounds.length)]!.id}`.execute(db),
      ],
      [
        'a county hospital is renamed',
        () =>
          sql`update hospitals set name_en = name_en || '.'
          where id = ${f.countyIds[pick(f.countyIds.length)]!}`.execute(db),
      ],
      [
        'a change is rolled back',
        () =>
          db
            .transaction()
            .execute(async (trx) => {
              await sql`update consultations set state = 'declined' where id = ${any()}`.execute(trx);
              throw new Error('rolled back');
            })
            .catch(() => undefined),
      ],
    ];
    const hits = dashboardCacheStats().hits;
    // Every kind of change, then a few more in a generated order.
    const steps = changes.length + 3;
    for (let step = 0; step < steps; step++) {
      const [what, change] = changes[step < changes.length ? step : pick(changes.length)]!;
      await change();
      for (const [qs, query] of [
        ['', YEAR],
        [`&programName=${encodeURIComponent(PROGRAM_A)}`, { ...YEAR, programName: PROGRAM_A }],
      ] as const)
        await same(qs, query).catch((e: Error) => {
          throw new Error(`after step ${step} (${what}), ${qs || 'all programs'}: ${e.message}`);
        });
      await same(); // unchanged since the read above: from memory
    }
    expect(dashboardCacheStats().hits - hits).toBeGreaterThanOrEqual(steps);
  }, 300_000);

  it('a waiting request that breaches its SLA with time alone is counted once the time has passed', async () => {
    const db = f.t.db;
    const id = crypto.randomUUID();
    // Due 1.5 s from the database's clock, submitted in the year, no response yet.
    await sql`insert into consultations (id, patient_id, case_id, requesting_hospital_id, requester_id, target_hospital_id,
        type, urgency, state, clinical_question, submitted_at, sla_due_at)
      select ${id}::uuid, patient_id, case_id, requesting_hospital_id, requester_id, target_hospital_id, type, urgency,
        'submitted', 'q', timestamptz '2025-06-15 08:00:00+00', now() + interval '1.5 seconds'
      from consultations where submitted_at is not null limit 1`.execute(db);
    const first = await f.get('');
    await same();
    // Wait (bounded) for the database's clock to pass the due time; the cached entry is still there.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await sql<{ past: boolean }>`select now() > sla_due_at as past from consultations
        where id = ${id}`.execute(db);
      if (rows[0]!.past) break;
      expect(Date.now()).toBeLessThan(deadline);
    }
    const after = await f.get('');
    expect(after.totals.slaBreaches).toBe(first.totals.slaBreaches + 1);
    await same();
  }, 60_000);
});
