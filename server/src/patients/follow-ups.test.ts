/**
 * Patient files as the county doctor keeps them: national IDs checked (GB 11643-1999) with the field named,
 * structured follow-ups validated as a matrix of bad bodies (each a 400 naming its field, nothing written),
 * old free-text entries still read, and the overdue list per hospital with the poverty flag.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalIdCheckChar, type OverdueList, type PatientDetail } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createPatient } from '../consultations/testkit';

const id18 = (first17: string) => first17 + nationalIdCheckChar(first17);
const daysFromToday = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe.each(DIALECTS)('patient files and follow-ups (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session, linquan: Session;
  let p: PatientDetail;
  let caseId: string;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    [lankao, linquan] = await Promise.all([t.login('lankao.doctor'), t.login('linquan.doctor')]);
    p = await createPatient(t, lankao, { birthDate: '1958-03-12' });
    const withCase = await t.as(lankao, {
      method: 'POST',
      url: `/api/patients/${p.id}/cases`,
      payload: { diagnosis: '原发性高血压', icd10: 'I10', status: 'chronic' },
    });
    caseId = (withCase.json() as PatientDetail).cases[0]!.id;
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  const create = (over: Record<string, unknown>) =>
    t.as(lankao, {
      method: 'POST',
      url: '/api/patients',
      payload: { name: '李秀英', sex: 'female', birthDate: '1960-05-20', ...over },
    });
  const count = async (table: 'patients' | 'case_follow_ups') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses wrong national IDs with the field named, and accepts a valid one', async () => {
    const good = id18('41022519600520456');
    const wrongDigit = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const before = await count('patients');
    for (const [nationalId, why] of [
      [wrongDigit, /check digit/],
      [id18('41022519600230456'), /birth date/],
      [id18('41022519610520456'), /differs from the birth date/],
      ['410225600520456', /pattern|18|must match/],
      ['41022519600520456Y', /pattern|must match/],
    ] as const) {
      const res = await create({ nationalId });
      expect(res.statusCode, nationalId).toBe(400);
      expect(res.json().field, nationalId).toBe('/body/nationalId');
      expect(res.json().message, nationalId).toMatch(why);
    }
    expect(await count('patients')).toBe(before);
    const ok = await create({ nationalId: good.toLowerCase(), recordNumber: 'LK-0001' });
    expect(ok.statusCode).toBe(201);
    expect((ok.json() as PatientDetail).recordNumber).toBe('LK-0001');
    // One record number per hospital; the field is named.
    const dup = await create({ recordNumber: 'LK-0001' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().field).toBe('/body/recordNumber');
    // Sex is required: no default.
    const noSex = await t.as(lankao, {
      method: 'POST',
      url: '/api/patients',
      payload: { name: '王某', birthDate: '1960-05-20' },
    });
    expect(noSex.statusCode).toBe(400);
  });

  it('records a structured follow-up and refuses every bad one with its field', async () => {
    const url = `/api/patients/${p.id}/cases/${caseId}/follow-ups`;
    const ok = await t.as(lankao, {
      method: 'POST',
      url,
      payload: {
        date: daysFromToday(-1),
        systolic: 152,
        diastolic: 94,
        glucose: 6.8,
        weight: 71.5,
        symptoms: '头晕',
        adherence: 'irregular',
        nextDueDate: daysFromToday(29),
      },
    });
    expect(ok.statusCode).toBe(201);
    const fu = (ok.json() as PatientDetail).cases[0]!.followUps[0]!;
    expect(fu).toMatchObject({
      kind: 'visit',
      systolic: 152,
      diastolic: 94,
      glucose: 6.8,
      weight: 71.5,
      symptoms: '头晕',
      adherence: 'irregular',
      notes: '',
      reportId: null,
    });
    expect((ok.json() as PatientDetail).cases[0]!.nextFollowUpDue).toBe(daysFromToday(29));

    const base = { date: daysFromToday(0), notes: '复诊' };
    const bad: [Record<string, unknown>, string][] = [
      [{ ...base, systolic: 140 }, '/body/diastolic'],
      [{ ...base, diastolic: 90 }, '/body/systolic'],
      [{ ...base, systolic: 80, diastolic: 90 }, '/body/systolic'],
      [{ ...base, systolic: 400, diastolic: 90 }, '/body/systolic'],
      [{ ...base, systolic: 140.5, diastolic: 90 }, '/body/systolic'],
      [{ ...base, glucose: 0 }, '/body/glucose'],
      [{ ...base, glucose: 80 }, '/body/glucose'],
      [{ ...base, weight: -3 }, '/body/weight'],
      [{ ...base, weight: 'heavy' }, '/body/weight'],
      [{ ...base, adherence: 'sometimes' }, '/body/adherence'],
      [{ ...base, date: daysFromToday(5) }, '/body/date'],
      [{ ...base, date: '2026-02-30' }, '/body/date'],
      [{ ...base, nextDueDate: daysFromToday(-3) }, '/body/nextDueDate'],
      [{ date: daysFromToday(0) }, '/body/notes'],
      [{ date: daysFromToday(0), notes: '   ' }, '/body/notes'],
      [{ ...base, extra: 1 }, '/body/extra'],
    ];
    const before = await count('case_follow_ups');
    for (const [payload, field] of bad) {
      const res = await t.as(lankao, { method: 'POST', url, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().field, JSON.stringify(payload)).toBe(field);
    }
    expect(await count('case_follow_ups')).toBe(before);
    // Another hospital's doctor cannot write into this file.
    expect((await t.as(linquan, { method: 'POST', url, payload: base })).statusCode).toBe(404);
  });

  it('still reads free-text entries written before follow-ups were structured', async () => {
    const doctor = await t.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'lankao.doctor')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('case_follow_ups')
      .values({
        id: crypto.randomUUID(),
        case_id: caseId,
        follow_up_date: daysFromToday(-60),
        by_user_id: doctor.id,
        notes: '血压控制尚可，继续服药',
        next_due_date: daysFromToday(-30),
      })
      .execute();
    const file = (
      await t.as(lankao, { method: 'GET', url: `/api/patients/${p.id}` })
    ).json() as PatientDetail;
    const old = file.cases[0]!.followUps.find((f) => f.notes === '血压控制尚可，继续服药')!;
    expect(old).toMatchObject({
      kind: 'visit',
      systolic: null,
      glucose: null,
      adherence: null,
      symptoms: '',
    });
  });

  it('lists overdue follow-ups of the hospital, most overdue first, poverty flag included', async () => {
    const mk = async (name: string, poverty: boolean, due: number) => {
      const q = await createPatient(t, lankao, { name, povertyRegistered: poverty });
      const k = await t.as(lankao, {
        method: 'POST',
        url: `/api/patients/${q.id}/cases`,
        payload: { diagnosis: '2型糖尿病', icd10: 'E11.9', status: 'chronic' },
      });
      const cid = (k.json() as PatientDetail).cases[0]!.id;
      await t.as(lankao, {
        method: 'POST',
        url: `/api/patients/${q.id}/cases/${cid}/follow-ups`,
        payload: { date: daysFromToday(-90), glucose: 9.1, nextDueDate: daysFromToday(due) },
      });
      return q.id;
    };
    const late = await mk('逾期甲', true, -20);
    const later = await mk('逾期乙', false, -5);
    const notYet = await mk('未到期', true, 10);
    const res = await t.as(lankao, { method: 'GET', url: '/api/follow-ups/overdue' });
    expect(res.statusCode).toBe(200);
    const items = (res.json() as OverdueList).items;
    const ours = items.filter((i) => [late, later, notYet].includes(i.patientId));
    expect(ours.map((i) => [i.patientName, i.daysOverdue, i.povertyRegistered])).toEqual([
      ['逾期甲', 20, true],
      ['逾期乙', 5, false],
    ]);
    expect(new Set(items.map((i) => i.hospitalName))).toEqual(new Set(['兰考县人民医院']));
    const poor = (
      await t.as(lankao, { method: 'GET', url: '/api/follow-ups/overdue?povertyRegistered=true' })
    ).json() as OverdueList;
    expect(poor.items.every((i) => i.povertyRegistered)).toBe(true);
    expect(poor.items.some((i) => i.patientId === late)).toBe(true);
    // Another county sees none of them.
    const other = (
      await t.as(linquan, { method: 'GET', url: '/api/follow-ups/overdue' })
    ).json() as OverdueList;
    expect(other.items.some((i) => [late, later].includes(i.patientId))).toBe(false);
  });
});
