/**
 * Dashboard test fixture (tests only): a year (2025) of activity for 20 county hospitals in two programs,
 * generated deterministically and inserted directly; the expected figures are computed here in plain TypeScript
 * from the generated records (not by SQL) so the tests can compare them with the API.
 */
import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { Dashboard, DashboardMetrics } from '@consult/shared';
import { makeTestApp, type Dialect, type Session, type TestApp } from '../testing/harness';

const TYPES = ['remote_consultation', 'remote_image_diagnosis'] as const;
const HOUR = 3600_000;

export interface GenConsultation {
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

export function generate() {
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

export function expected(
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

export type Generated = ReturnType<typeof generate>;
export const PROGRAM_A = '测试项目A Test program A';
export const PROGRAM_B = '测试项目B Test program B';
/** Counties whose first patient is poverty-registered. */
export const poorCounty = (i: number) => i % 2 === 0;
/** County indexes: all of them, and program A's. */
export const ALL_COUNTIES = new Set(Array.from({ length: 20 }, (_, i) => i));
export const PROGRAM_A_COUNTIES = new Set(Array.from({ length: 12 }, (_, i) => i));

export interface DashboardFixture {
  t: TestApp;
  /** The program administrator. */
  admin: Session;
  g: Generated;
  countyIds: string[];
  pairingIds: string[];
  /** GET /api/dashboard for 2025 with extra query parameters; asserts 200. */
  get(qs: string): Promise<Dashboard>;
}

/** A test app with the generated year inserted (about 4 s per dialect). */
export async function openDashboardFixture(dialect: Dialect): Promise<DashboardFixture> {
  const g = generate();
  const countyIds: string[] = [];
  const pairingIds: string[] = [];
  const t = await makeTestApp(dialect);
  try {
    const admin = await t.login('program');
    await seed(t, g, countyIds, pairingIds);
    const get = async (qs: string) => {
      const res = await t.as(admin, {
        method: 'GET',
        url: `/api/dashboard?from=2025-01-01&to=2025-12-31${qs}`,
      });
      expect(res.statusCode).toBe(200);
      return res.json() as Dashboard;
    };
    return { t, admin, g, countyIds, pairingIds, get };
  } catch (e) {
    await t.close();
    throw e;
  }
}

async function seed(t: TestApp, g: Generated, countyIds: string[], pairingIds: string[]): Promise<void> {
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
    const recs = [...Array(r.readyRecordings).fill('ready'), ...Array(r.failedRecordings).fill('failed')] as (
      'ready' | 'failed'
    )[];
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
}
