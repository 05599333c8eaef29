/**
 * Home as a worklist, per demo role, over the access-test world (cases A–D) plus a few cases of its own:
 * each role sees the rows that need it (drafts, returned requests, reports to acknowledge, overdue follow-ups of
 * poverty-registered/chronic patients; the triage queue by SLA; my cases; rounds today; image readings;
 * administrators' aggregates), and no one's worklist ever shows a patient they may not read. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushReadAudits } from '../consultations/read-audit';
import type {
  AdminWorklist,
  ConsultationDetail,
  CountyWorklist,
  RadiologistWorklist,
  SpecialistWorklist,
  Worklist,
} from '@consult/shared';
import { DIALECTS, makeTestApp, type TestApp } from '../testing/harness';
import { createCase, createPatient, createRequest, move } from '../consultations/testkit';
import { buildWorld, forbiddenMarkers, USERS, type UserName, type World } from '../access/world.test-helper';

const isOk = (res: { statusCode: number; body: string }) =>
  expect([200, 201], res.body).toContain(res.statusCode);
const ids = (s: { items: { consultationId: string }[] }) => s.items.map((i) => i.consultationId);

describe.each(DIALECTS)('worklist per role (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  /** E: Lankao → PKU, accepted by pku.cardio, pku.radiology added for imaging, a study linked, no report. */
  let e: ConsultationDetail;
  /** F: Lankao → PKU, returned for information by pku.cardio. */
  let f: ConsultationDetail;
  /** G: Linquan → PKU, waiting in the queue (due later than D, whose SLA is breached). */
  let g: ConsultationDetail;

  const worklist = async <T extends Worklist>(user: UserName): Promise<{ body: string; w: T }> => {
    const res = await t.as(w.s[user], { method: 'GET', url: '/api/worklist' });
    expect(res.statusCode, res.body).toBe(200);
    return { body: res.body, w: res.json() };
  };

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    w = await buildWorld(t);
    const { s } = w;
    e = await createRequest(t, s['lankao.doctor'], { clinicalQuestion: 'E reading' });
    expect(
      (await move(t, s['pku.cardio'], e.id, { to: 'triaged', assigneeId: s['pku.cardio'].userId }))
        .statusCode,
    ).toBe(200);
    expect((await move(t, s['pku.cardio'], e.id, { to: 'accepted' })).statusCode).toBe(200);
    const add = await t.as(s['pku.cardio'], {
      method: 'POST',
      url: `/api/consultations/${e.id}/team`,
      payload: { userId: s['pku.radiology'].userId, purpose: 'imaging' },
    });
    isOk(add);
    const link = await t.as(s['lankao.doctor'], {
      method: 'POST',
      url: `/api/consultations/${e.id}/studies`,
      // A's study belongs to Lankao too: the same images may serve a second request of the hospital.
      payload: { studyInstanceUid: w.cases.A.studyUid },
    });
    isOk(link);
    f = await createRequest(t, s['lankao.doctor'], { clinicalQuestion: 'F returned' });
    const ret = await move(t, s['pku.cardio'], f.id, {
      to: 'returned_for_information',
      reason: '请补充心电图',
    });
    expect(ret.statusCode, ret.body).toBe(200);
    g = await createRequest(t, s['linquan.doctor'], { urgency: 'routine' });
    // D's response time has passed.
    await t.db
      .updateTable('consultations')
      .set({ sla_due_at: new Date(Date.now() - 3600_000) })
      .where('id', '=', w.cases.D.consultation.id)
      .execute();
  }, 240_000);
  afterAll(async () => t?.close());

  it('county doctor: own drafts, returned requests, reports to acknowledge', async () => {
    const lankao = (await worklist<CountyWorklist>('lankao.doctor')).w;
    expect(lankao.role).toBe('county_doctor');
    expect(ids(lankao.drafts)).toEqual([]);
    expect(ids(lankao.returned)).toEqual([f.id]);
    expect(lankao.returned.items[0]!.returnReason).toBe('请补充心电图');
    expect(lankao.toAcknowledge.items.map((r) => r.reportId)).toEqual([w.cases.A.reportId]);
    expect(lankao.toAcknowledge.items[0]!.reportNumber).toBeTruthy();

    const linquan = (await worklist<CountyWorklist>('linquan.doctor')).w;
    expect(ids(linquan.drafts)).toEqual([w.cases.C.consultation.id]);
    expect(linquan.drafts.total).toBe(1);
    expect(linquan.toAcknowledge.total).toBe(0);
    expect(ids(linquan.returned)).toEqual([]);

    // Acknowledged, the report leaves the list; resubmitted, the request leaves "returned".
    const ack = await t.as(w.s['lankao.doctor'], {
      method: 'POST',
      url: `/api/reports/${w.cases.A.reportId}/acknowledge`,
      payload: {},
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect((await move(t, w.s['lankao.doctor'], f.id, { to: 'submitted' })).statusCode).toBe(200);
    const after = (await worklist<CountyWorklist>('lankao.doctor')).w;
    expect(after.toAcknowledge.total).toBe(0);
    expect(after.returned.total).toBe(0);
  });

  it('county doctor: overdue follow-ups of poverty-registered or chronic patients only', async () => {
    const doc = w.s['lankao.doctor'];
    const followUp = async (patientId: string, caseId: string) => {
      const res = await t.as(doc, {
        method: 'POST',
        url: `/api/patients/${patientId}/cases/${caseId}/follow-ups`,
        payload: { date: '2026-09-01', nextDueDate: '2026-10-01', notes: '血压控制尚可' },
      });
      isOk(res);
    };
    // Poverty-registered, an active (not chronic) illness → listed.
    const poor = await createPatient(t, doc, { name: '贫困户患者', povertyRegistered: true });
    const poorCase = await createCase(t, doc, poor.id, { status: 'active', diagnosis: '高血压' });
    await followUp(poor.id, poorCase.cases[0]!.id);
    // A's patient was seen today (the report's acknowledgement): its plan is not overdue.
    await followUp(w.cases.A.patientId, w.cases.A.consultation.caseId);
    // Neither poverty-registered nor chronic → overdue, but not on the worklist.
    const plain = await createPatient(t, doc, { name: '普通患者', povertyRegistered: false });
    const withCase = await createCase(t, doc, plain.id, { status: 'active', diagnosis: '急性支气管炎' });
    await followUp(plain.id, withCase.cases[0]!.id);
    // Chronic but not poverty-registered → listed.
    const chronic = await createPatient(t, doc, { name: '慢病患者', povertyRegistered: false });
    const chronicCase = await createCase(t, doc, chronic.id, { status: 'chronic' });
    await followUp(chronic.id, chronicCase.cases[0]!.id);

    const all = await t.as(doc, { method: 'GET', url: '/api/follow-ups/overdue' });
    expect(all.json().items.map((i: { patientId: string }) => i.patientId)).toContain(plain.id);
    const lankao = (await worklist<CountyWorklist>('lankao.doctor')).w;
    const listed = lankao.overdueFollowUps.items;
    expect(listed.map((i) => i.patientId).sort()).toEqual([poor.id, chronic.id].sort());
    expect(listed.find((i) => i.patientId === chronic.id)).toMatchObject({
      povertyRegistered: false,
      chronic: true,
      dueDate: '2026-10-01',
    });
    expect(listed.every((i) => i.daysOverdue > 0)).toBe(true);
    // Another county's doctor sees none of Lankao's patients.
    expect((await worklist<CountyWorklist>('linquan.doctor')).w.overdueFollowUps.total).toBe(0);
  });

  it('specialist: the triage queue due soonest first with breaches flagged, my cases, rounds today', async () => {
    const cardio = (await worklist<SpecialistWorklist>('pku.cardio')).w;
    expect(cardio.role).toBe('specialist');
    // D is past due; F (urgent, resubmitted above) is due before G (routine).
    expect(ids(cardio.triage)).toEqual([w.cases.D.consultation.id, f.id, g.id]);
    expect(cardio.triage.items.map((i) => i.slaBreached)).toEqual([true, false, false]);
    expect(cardio.triage.items.every((i) => i.slaDueAt !== null)).toBe(true);
    expect(cardio.triage.items[2]!.counterpartEn).toMatch(/^Linquan/);
    // A is done (its report is signed); E is open.
    const a = await t.db
      .selectFrom('consultations')
      .select('state')
      .where('id', '=', w.cases.A.consultation.id)
      .executeTakeFirstOrThrow();
    expect(a.state).toBe('completed');
    expect(ids(cardio.mine)).toEqual([e.id]);
    expect(cardio.roundsToday.items.map((r) => r.roundId)).toEqual([w.roundId]);
    expect(cardio.roundsToday.items[0]).toMatchObject({ hosting: true, status: 'live', agendaCount: 1 });

    // A colleague shares the queue but not the cardiologist's cases; an added member sees the case as theirs.
    const nephro = (await worklist<SpecialistWorklist>('pku.nephro')).w;
    expect(ids(nephro.triage)).toEqual([w.cases.D.consultation.id, f.id, g.id]);
    expect(ids(nephro.mine)).toEqual([]);
    expect(nephro.roundsToday.total).toBe(0);
    const add = await t.as(w.s['pku.cardio'], {
      method: 'POST',
      url: `/api/consultations/${e.id}/team`,
      payload: { userId: w.s['pku.nephro'].userId, purpose: 'second_opinion' },
    });
    isOk(add);
    const nephro2 = (await worklist<SpecialistWorklist>('pku.nephro')).w;
    expect(ids(nephro2.mine)).toEqual([e.id]);
    expect(nephro2.mine.items[0]!.teamPurpose).toBe('second_opinion');

    // Anzhen's cardiologist: B only; PKU's queue is not theirs.
    const anzhen = (await worklist<SpecialistWorklist>('anzhen.cardio')).w;
    expect(ids(anzhen.mine)).toEqual([w.cases.B.consultation.id]);
    expect(anzhen.triage.total).toBe(0);
  });

  it('radiologist: readings of cases on their team for imaging, with studies, until reported', async () => {
    const rad = (await worklist<RadiologistWorklist>('pku.radiology')).w;
    expect(rad.role).toBe('radiologist');
    // A is already reported; E waits for its reading.
    expect(ids(rad.readings)).toEqual([e.id]);
    expect(rad.readings.items[0]).toMatchObject({ teamPurpose: 'imaging', studyCount: 1 });
    expect((await worklist<RadiologistWorklist>('anzhen.radiology')).w.readings.total).toBe(0);

    // Off the team, the reading is gone at once.
    const off = await t.as(w.s['pku.cardio'], {
      method: 'DELETE',
      url: `/api/consultations/${e.id}/team/${w.s['pku.radiology'].userId}`,
    });
    isOk(off);
    expect((await worklist<RadiologistWorklist>('pku.radiology')).w.readings.total).toBe(0);
  });

  it('administrators: aggregates only (SLA breaches per hospital, idle pairings, disabled users)', async () => {
    for (const admin of ['program', 'sysadmin'] as const) {
      const { w: a, body } = await worklist<AdminWorklist>(admin);
      expect(a.role).toBe(admin === 'program' ? 'program_admin' : 'sys_admin');
      expect(a.slaBreaches.items.map((b) => [b.nameEn, b.count])).toEqual([
        [expect.stringMatching(/^Peking University First/), 1],
      ]);
      // Lankao–PKU is busy; Yonghe and Linquan sent requests too; the pairings without a request are idle.
      const idle = a.idlePairings.items.map((p) => p.countyEn);
      expect(idle.some((n) => n.startsWith('Lankao'))).toBe(false);
      expect(a.idlePairings.items.every((p) => p.lastActivityAt === null)).toBe(true);
      expect(a.disabledUsers).toBe(0);
      expect(body).not.toMatch(/patient/i);
    }
    const pairings = await t.db.selectFrom('pairings').select('id').where('active', '=', true).execute();
    const busy = await t.db
      .selectFrom('consultations')
      .select(['requesting_hospital_id', 'target_hospital_id'])
      .distinct()
      .execute();
    expect((await worklist<AdminWorklist>('program')).w.idlePairings.total).toBe(
      pairings.length - busy.length,
    );
    await t.db
      .updateTable('users')
      .set({ disabled: true })
      .where('username', '=', 'anzhen.radiology')
      .execute();
    expect((await worklist<AdminWorklist>('program')).w.disabledUsers).toBe(1);
    await t.db
      .updateTable('users')
      .set({ disabled: false })
      .where('username', '=', 'anzhen.radiology')
      .execute();
  });

  it("no one's worklist shows a patient they may not read, and every read is audited", async () => {
    for (const user of USERS) {
      const { body } = await worklist(user);
      for (const m of forbiddenMarkers(w, user)) expect(body, `${user} sees ${m}`).not.toContain(m);
    }
    await flushReadAudits(t.db);
    const audited = await t.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'worklist.read')
      .where('actor_id', '=', w.s['pku.cardio'].userId)
      .executeTakeFirstOrThrow();
    expect(Number(audited.n)).toBeGreaterThan(0);
    expect((await t.as(null, { method: 'GET', url: '/api/worklist' })).statusCode).toBe(401);
  });
});
