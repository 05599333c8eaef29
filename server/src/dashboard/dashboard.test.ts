import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard, DashboardMetrics } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';

/**
 * A year (2025) of activity for 20 county hospitals in two programs, generated deterministically; the expected
 * figures are computed here in plain TypeScript from the generated records (not by SQL) and compared with the API.
 */
const TYPES = ['remote_consultation', 'remote_image_diagnosis'] as const;
const HOUR = 3600_000;

interface GenConsultation {
  id: string;
  county: number;
  patient: number;
  type: string;
  state: string;
  submitted: Date;
  respondedH: number;
  signedH: number | null;
  acked: boolean;
  inRange: boolean;
}
interface GenRound {
  id: string;
  counties: number[];
  started: Date;
  minutes: number;
  readyRecordings: number;
  failedRecordings: number;
  program: 'A' | 'B';
}

function generate() {
  const consultations: GenConsultation[] = [];
  const rounds: GenRound[] = [];
  for (let i = 0; i < 20; i++) {
    for (let m = -1; m <= 12; m++) {
      // m = -1 (Dec 2024) and m = 12 (Jan 2026) fall outside the range and must not count.
      const n = ((i + m + 4) % 4) + 1;
      for (let j = 0; j < n; j++) {
        const k = i + m + j + 10;
        const signed = k % 3 !== 0;
        consultations.push({
          id: crypto.randomUUID(),
          county: i,
          patient: j % 2,
          type: TYPES[k % 2]!,
          state: signed ? (k % 2 === 0 ? 'completed' : 'report_pending') : 'in_progress',
          submitted: new Date(Date.UTC(2025, m, 5 + j, 8)),
          respondedH: (i * 7 + (m + 1) * 3 + j * 5) % 60,
          signedH: signed ? 10 + ((i * 3 + (m + 1) * 5 + j) % 50) : null,
          acked: signed && k % 2 === 0,
          inRange: m >= 0 && m <= 11,
        });
      }
      if (m >= 0 && m <= 11 && m % 3 === i % 3) {
        rounds.push({
          id: crypto.randomUUID(),
          counties: [i],
          started: new Date(Date.UTC(2025, m, 20, 2)),
          minutes: 60 + 15 * (i % 4),
          readyRecordings: m % 2 === 0 ? 1 : 0,
          failedRecordings: 1,
          program: i < 12 ? 'A' : 'B',
        });
      }
    }
  }
  // One quarterly teaching round per program inviting all its counties (counted once per group).
  for (const [program, from, to] of [
    ['A', 0, 12],
    ['B', 12, 20],
  ] as const) {
    for (const m of [2, 5, 8, 11]) {
      const counties = Array.from({ length: to - from }, (_, x) => from + x);
      rounds.push({
        id: crypto.randomUUID(),
        counties,
        started: new Date(Date.UTC(2025, m, 15, 6)),
        minutes: 120,
        readyRecordings: 1,
        failedRecordings: 0,
        program,
      });
    }
  }
  // A round outside the range.
  rounds.push({
    id: crypto.randomUUID(),
    counties: [0],
    started: new Date(Date.UTC(2026, 0, 3, 2)),
    minutes: 60,
    readyRecordings: 1,
    failedRecordings: 0,
    program: 'A',
  });
  return { consultations, rounds };
}

/** percentile_cont: linear interpolation between the two nearest ranks. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const r1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

function expected(
  g: ReturnType<typeof generate>,
  counties: Set<number>,
  poorCounty: (i: number) => boolean,
): DashboardMetrics {
  const cs = g.consultations.filter((c) => c.inRange && counties.has(c.county));
  const hours = cs.filter((c) => c.signedH !== null).map((c) => c.signedH!);
  const patients = new Set(cs.map((c) => `${c.county}/${c.patient}`));
  const poor = [...patients].filter((p) => {
    const [i, j] = p.split('/').map(Number);
    return j === 0 && poorCounty(i!);
  });
  const rs = g.rounds.filter(
    (r) => r.started.getUTCFullYear() === 2025 && r.counties.some((c) => counties.has(c)),
  );
  return {
    consultations: cs.length,
    slaBreaches: cs.filter((c) => c.respondedH > 48).length,
    medianHoursToReport: r1(percentile(hours, 0.5)),
    p90HoursToReport: r1(percentile(hours, 0.9)),
    reportsSigned: hours.length,
    reportsAcknowledged: cs.filter((c) => c.acked).length,
    patientsServed: patients.size,
    povertyPatientsServed: poor.length,
    roundsHeld: rs.length,
    roundHours: r1(rs.reduce((a, r) => a + r.minutes / 60, 0))!,
    teachingRecordings: rs.reduce((a, r) => a + r.readyRecordings, 0),
  };
}

describe.each(DIALECTS)('program dashboard (%s)', (dialect) => {
  let t: TestApp;
  let admin: Session;
  const g = generate();
  const countyIds: string[] = [];
  const pairingIds: string[] = [];
  const PROGRAM_A = '测试项目A Test program A';
  const PROGRAM_B = '测试项目B Test program B';
  const poorCounty = (i: number) => i % 2 === 0;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    admin = await t.login('program');
    const db = t.db;
    const tert = await db
      .selectFrom('hospitals')
      .select(['id', 'name_en'])
      .where('tier', '=', 'tertiary')
      .execute();
    const pku = tert.find((h) => h.name_en.startsWith('Peking'))!.id;
    const anzhen = tert.find((h) => h.name_en.startsWith('Beijing Anzhen'))!.id;
    const host = await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username', 'in', ['pku.cardio', 'anzhen.cardio'])
      .execute();
    const hostOf = (i: number) =>
      host.find((u) => u.username === (i < 12 ? 'pku.cardio' : 'anzhen.cardio'))!.id;
    const doctors: string[] = [];
    const patients: string[][] = [];
    const cases: string[][] = [];
    for (let i = 0; i < 20; i++) {
      const hid = crypto.randomUUID();
      countyIds.push(hid);
      await db
        .insertInto('hospitals')
        .values({
          id: hid,
          name_zh: `测试县${i + 1}人民医院`,
          name_en: `Test County ${i + 1}`,
          tier: 'county',
          region: 'Test',
        })
        .execute();
      const pid = crypto.randomUUID();
      pairingIds.push(pid);
      await db
        .insertInto('pairings')
        .values({
          id: pid,
          tertiary_hospital_id: i < 12 ? pku : anzhen,
          county_hospital_id: hid,
          program_name: i < 12 ? PROGRAM_A : PROGRAM_B,
          since: '2020-01-01',
        })
        .execute();
      const uid = crypto.randomUUID();
      doctors.push(uid);
      await db
        .insertInto('users')
        .values({
          id: uid,
          username: `county${i}.doctor`,
          display_name: `医生${i}`,
          role: 'county_doctor',
          hospital_id: hid,
          password_hash: 'x',
        })
        .execute();
      patients.push([]);
      cases.push([]);
      for (let j = 0; j < 2; j++) {
        const p = crypto.randomUUID();
        const c = crypto.randomUUID();
        patients[i]!.push(p);
        cases[i]!.push(c);
        await db
          .insertInto('patients')
          .values({
            id: p,
            hospital_id: hid,
            name: `患者${i}-${j}`,
            sex: 'female',
            birth_date: '1960-01-01',
            created_by: uid,
            poverty_registered: j === 0 && poorCounty(i),
          })
          .execute();
        await db
          .insertInto('patient_cases')
          .values({ id: c, patient_id: p, diagnosis: 'x', icd10: 'I10', status: 'chronic', created_by: uid })
          .execute();
      }
    }
    const cRows = g.consultations.map((c) => ({
      id: c.id,
      patient_id: patients[c.county]![c.patient]!,
      case_id: cases[c.county]![c.patient]!,
      requesting_hospital_id: countyIds[c.county]!,
      requester_id: doctors[c.county]!,
      target_hospital_id: c.county < 12 ? pku : anzhen,
      type: c.type as (typeof TYPES)[number],
      urgency: 'routine' as const,
      state: c.state as 'completed',
      clinical_question: 'q',
      assigned_to: hostOf(c.county),
      submitted_at: c.submitted,
      sla_due_at: new Date(c.submitted.getTime() + 48 * HOUR),
      responded_at: new Date(c.submitted.getTime() + c.respondedH * HOUR),
      accepted_at: new Date(c.submitted.getTime() + c.respondedH * HOUR),
    }));
    for (let x = 0; x < cRows.length; x += 200)
      await db
        .insertInto('consultations')
        .values(cRows.slice(x, x + 200))
        .execute();
    // A draft (never submitted) does not count.
    await db
      .insertInto('consultations')
      .values({
        ...cRows[0]!,
        id: crypto.randomUUID(),
        state: 'draft',
        submitted_at: null,
        sla_due_at: null,
        responded_at: null,
        accepted_at: null,
      })
      .execute();
    const rRows = g.consultations
      .filter((c) => c.signedH !== null)
      .map((c) => ({
        id: crypto.randomUUID(),
        consultation_id: c.id,
        author_id: hostOf(c.county),
        status: (c.acked ? 'acknowledged' : 'signed') as 'signed',
        draft_updated_by: hostOf(c.county),
        current_version: 1,
        first_signed_at: new Date(c.submitted.getTime() + c.signedH! * HOUR),
        acknowledged_at: c.acked ? new Date(c.submitted.getTime() + (c.signedH! + 5) * HOUR) : null,
      }));
    for (let x = 0; x < rRows.length; x += 200)
      await db
        .insertInto('reports')
        .values(rRows.slice(x, x + 200))
        .execute();
    for (const r of g.rounds) {
      const first = r.counties[0]!;
      await db
        .insertInto('rounds')
        .values({
          id: r.id,
          title: 'round',
          kind: r.readyRecordings ? 'teaching' : 'ward_round',
          status: 'ended',
          scheduled_at: r.started,
          host_id: hostOf(first),
          hospital_id: first < 12 ? pku : anzhen,
          started_at: r.started,
          ended_at: new Date(r.started.getTime() + r.minutes * 60_000),
        })
        .execute();
      await db
        .insertInto('round_invitees')
        .values(r.counties.map((c) => ({ round_id: r.id, user_id: doctors[c]! })))
        .execute();
      const recs = [
        ...Array(r.readyRecordings).fill('ready'),
        ...Array(r.failedRecordings).fill('failed'),
      ] as ('ready' | 'failed')[];
      for (const status of recs) {
        await db
          .insertInto('round_recordings')
          .values({
            id: crypto.randomUUID(),
            round_id: r.id,
            status,
            file_name: 'r.webm',
            mime_type: 'video/webm',
            size_bytes: 1,
            started_by: hostOf(first),
            started_at: r.started,
          })
          .execute();
      }
    }
    // A scheduled (not held) round does not count.
    await db
      .insertInto('rounds')
      .values({
        id: crypto.randomUUID(),
        title: 'later',
        kind: 'ward_round',
        scheduled_at: new Date(Date.UTC(2025, 6, 1)),
        host_id: hostOf(0),
        hospital_id: pku,
      })
      .execute();
  }, 120_000);
  afterAll(async () => t?.close());

  const get = async (qs: string) => {
    const res = await t.as(admin, {
      method: 'GET',
      url: `/api/dashboard?from=2025-01-01&to=2025-12-31${qs}`,
    });
    expect(res.statusCode).toBe(200);
    return res.json() as Dashboard;
  };
  const all = new Set(Array.from({ length: 20 }, (_, i) => i));
  const progA = new Set(Array.from({ length: 12 }, (_, i) => i));

  it('totals, programs, pairings and county rows match the hand-computed figures', async () => {
    const d = await get('');
    // Demo pairings (no activity) are in scope too; only the test ones have figures.
    expect(d.totals).toEqual(expected(g, all, poorCounty));
    expect(d.programs.find((p) => p.programName === PROGRAM_A)).toMatchObject(expected(g, progA, poorCounty));
    expect(d.programs.find((p) => p.programName === PROGRAM_B)).toMatchObject(
      expected(g, new Set([...all].filter((i) => i >= 12)), poorCounty),
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
    const d = await get('');
    const cs = g.consultations.filter((c) => c.inRange);
    const count = (f: (c: GenConsultation) => boolean) => cs.filter(f).length;
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

  it('filters by program, pairing and county hospital', async () => {
    expect((await get(`&programName=${encodeURIComponent(PROGRAM_A)}`)).totals).toEqual(
      expected(g, progA, poorCounty),
    );
    expect((await get(`&pairingId=${pairingIds[7]}`)).totals).toEqual(expected(g, new Set([7]), poorCounty));
    const one = await get(`&countyHospitalId=${countyIds[16]}`);
    expect(one.totals).toEqual(expected(g, new Set([16]), poorCounty));
    expect(one.counties).toHaveLength(1);
  });

  it('exports CSV with a BOM and Chinese names; only program/system admins may read it', async () => {
    const res = await t.as(admin, { method: 'GET', url: '/api/dashboard.csv?from=2025-01-01&to=2025-12-31' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    expect(lines[0]).toContain('"medianHoursToReport"');
    const total = expected(g, all, poorCounty);
    expect(lines[1]).toBe(
      `"total","","","","2025-01-01","2025-12-31",${Object.values(total)
        .map((v) => `"${v ?? ''}"`)
        .join(',')}`,
    );
    expect(lines.some((l) => l.includes('"测试县1人民医院"'))).toBe(true);
    const doctor = await t.login('lankao.doctor');
    expect(
      (await t.as(doctor, { method: 'GET', url: '/api/dashboard?from=2025-01-01&to=2025-12-31' })).statusCode,
    ).toBe(403);
    expect(
      (await t.as(admin, { method: 'GET', url: '/api/dashboard?from=2025-12-31&to=2025-01-01' })).statusCode,
    ).toBe(400);
  });
});
