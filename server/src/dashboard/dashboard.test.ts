import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../testing/harness';
import {
  ALL_COUNTIES,
  expected,
  openDashboardFixture,
  poorCounty,
  PROGRAM_A,
  PROGRAM_A_COUNTIES,
  PROGRAM_B,
  type DashboardFixture,
  type GenConsultation,
} from './fixtures.test-helper';

/** The figures of a generated year (fixtures.test-helper.ts), by program, pairing, county, type, state and month. */
describe.each(DIALECTS)('program dashboard figures (%s)', (dialect) => {
  let f: DashboardFixture;
  beforeAll(async () => {
    f = await openDashboardFixture(dialect);
  }, 120_000);
  afterAll(async () => f?.t.close());

  it('totals, programs, pairings and county rows match the hand-computed figures', async () => {
    const { g, countyIds, pairingIds } = f;
    const d = await f.get('');
    // Demo pairings (no activity) are in scope too; only the test ones have figures.
    expect(d.totals).toEqual(expected(g, ALL_COUNTIES, poorCounty));
    expect(d.programs.find((p) => p.programName === PROGRAM_A)).toMatchObject(
      expected(g, PROGRAM_A_COUNTIES, poorCounty),
    );
    expect(d.programs.find((p) => p.programName === PROGRAM_B)).toMatchObject(
      expected(g, new Set([...ALL_COUNTIES].filter((i) => i >= 12)), poorCounty),
    );
    for (const i of [0, 5, 13, 19]) {
      expect(d.counties.find((c) => c.countyHospitalId === countyIds[i])).toMatchObject(
        expected(g, new Set([i]), poorCounty),
      );
      expect(d.pairings.find((p) => p.pairingId === pairingIds[i])).toMatchObject(
        expected(g, new Set([i]), poorCounty),
      );
    }
    // A few figures spelled out: every county has 2 patients, half the counties have one poverty-registered patient.
    expect(d.totals.patientsServed).toBe(40);
    expect(d.totals.povertyPatientsServed).toBe(10);
    // 20 single-county rounds per quarter-month pattern (4 per county) + 8 program-wide rounds.
    expect(d.totals.roundsHeld).toBe(20 * 4 + 8);
  });

  it('breaks consultations down by type, state and month', async () => {
    const { g } = f;
    const d = await f.get('');
    const cs = g.consultations.filter((c) => c.inRange);
    const count = (fn: (c: GenConsultation) => boolean) => cs.filter(fn).length;
    expect(Object.fromEntries(d.byType.map((x) => [x.key, x.count]))).toEqual({
      remote_consultation: count((c) => c.type === 'remote_consultation'),
      remote_image_diagnosis: count((c) => c.type === 'remote_image_diagnosis'),
    });
    expect(d.byState.reduce((a, x) => a + x.count, 0)).toBe(cs.length);
    expect(d.byState.find((x) => x.key === 'in_progress')?.count).toBe(count((c) => c.signedH === null));
    expect(d.byMonth.map((m) => m.month)).toEqual(
      Array.from({ length: 12 }, (_, m) => `2025-${String(m + 1).padStart(2, '0')}`),
    );
    expect(d.byMonth[2]).toEqual({
      month: '2025-03',
      consultations: count((c) => c.submitted.getUTCMonth() === 2),
      reportsSigned: count((c) => c.submitted.getUTCMonth() === 2 && c.signedH !== null),
      roundsHeld: g.rounds.filter((r) => r.started.getUTCFullYear() === 2025 && r.started.getUTCMonth() === 2)
        .length,
    });
  });
});
