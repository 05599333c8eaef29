import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ConsultationDetail,
  ConsultationPage,
  Message,
  NotificationList,
  PatientDetail,
  PatientPage,
} from '@consult/shared';
import { SESSION_COOKIE } from '@consult/shared';
import {
  DEMO_PASSWORD,
  DIALECTS,
  dropSchema,
  freshSchema,
  startTestServer,
  tempDataDir,
} from '../testing/harness';
import { dayFromToday, demoCasesText, demoNationalId } from './demo-cases';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** A demo user signed in on the server: GET as them (status and JSON). */
async function signIn(srv: Server, username: string) {
  const res = await srv.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: DEMO_PASSWORD },
  });
  expect(res.statusCode).toBe(200);
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
  const get = async <T>(url: string, status = 200): Promise<T> => {
    const r = await srv.app.inject({ url, cookies: { [SESSION_COOKIE]: cookie } });
    expect(r.statusCode, `${username} GET ${url}: ${r.body}`).toBe(status);
    return r.json() as T;
  };
  return { get };
}

/** ISO 7064 MOD 11-2 as GB 11643 states it: the weighted sum of all 18 characters (X = 10) is 1 modulo 11. */
const checksumOk = (id: string) =>
  [...id].reduce((s, ch, i) => s + (ch === 'X' ? 10 : Number(ch)) * (2 ** (17 - i) % 11), 0) % 11 === 1;

describe('demo data helpers', () => {
  it('make ID numbers with a valid check digit and the never-issued sequence code 000', () => {
    expect(checksumOk('11010519491231002X')).toBe(true); // the standard's worked example
    expect(checksumOk('110105194912310021')).toBe(false);
    for (const [area, birth] of [
      ['410225', '1957-03-14'],
      ['341221', '1961-11-23'],
      ['141032', '1954-06-08'],
    ]) {
      const id = demoNationalId(area!, birth!);
      expect(id).toMatch(new RegExp(`^${area}${birth!.replaceAll('-', '')}000[0-9X]$`));
      expect(checksumOk(id)).toBe(true);
    }
  });
  it('count days from today in UTC dates', () => {
    expect(dayFromToday(-1, new Date('2026-03-01T12:00:00Z'))).toBe('2026-02-28');
    expect(dayFromToday(20, new Date('2026-03-01T12:00:00Z'))).toBe('2026-03-21');
  });
});

describe.each(DIALECTS)('demo caseload seeded on first start (%s)', (dialect) => {
  // The same database and data dir for both starts (closed in between).
  const schema = dialect === 'postgres' ? freshSchema() : null;
  const dataDir = tempDataDir();
  const overrides = { seedDemoCases: true, dataDir, ...(schema ? { databaseSchema: schema } : {}) };
  let srv: Server | null = null;

  beforeAll(async () => {
    srv = await startTestServer(dialect, overrides);
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    if (schema) await dropSchema(schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const lankaoRequest = async () => {
    const lankao = await signIn(srv!, 'lankao.doctor');
    const page = await lankao.get<ConsultationPage>('/api/consultations?view=mine');
    return page.items.find((c) => c.patient.name === '刘建国')!;
  };

  it('says at start what it seeded', () => {
    expect(srv!.seeded).toBe(true);
    expect(srv!.demoCases).toMatchObject({ patients: 4, consultations: 3 });
    const text = demoCasesText(srv!.demoCases!);
    expect(text).toContain('Demo caseload: 4 patients, 3 consultation requests');
    expect(text).toMatch(/lankao\.doctor +刘建国.*follow-up overdue; urgent request waiting/);
    expect(text).toMatch(/linquan\.doctor +陈桂兰.*accepted by pku\.nephro, 3 messages/);
    expect(text).toMatch(/yonghe\.doctor +贺海平.*returned for information/);
  });

  it("puts the urgent request and the overdue follow-up on Lankao's worklist", async () => {
    const lankao = await signIn(srv!, 'lankao.doctor');
    const mine = await lankao.get<ConsultationPage>('/api/consultations?view=mine');
    expect(mine.total).toBe(1);
    const req = mine.items[0]!;
    expect(req).toMatchObject({
      state: 'submitted',
      urgency: 'urgent',
      type: 'remote_consultation',
      icd10: 'I10',
      patient: { name: '刘建国', povertyRegistered: true },
      targetHospital: { nameZh: '北京大学第一医院' },
      assignee: null,
      slaBreached: false,
    });
    expect(Date.parse(req.slaDueAt!) - Date.parse(req.submittedAt!)).toBe(24 * 3600_000);
    const detail = await lankao.get<ConsultationDetail>(`/api/consultations/${req.id}`);
    expect(detail.transitions.map((t) => [t.from, t.to])).toEqual([
      [null, 'draft'],
      ['draft', 'submitted'],
    ]);
    expect(detail.historySummary).toContain('建档立卡贫困户');

    const overdue = await lankao.get<PatientPage>('/api/patients?overdue=true');
    expect(overdue.items.map((p) => p.name)).toEqual(['刘建国']);
    expect(overdue.items[0]).toMatchObject({ chronic: true, povertyRegistered: true, editable: true });
    const all = await lankao.get<PatientPage>('/api/patients');
    expect(all.items.map((p) => p.name).sort()).toEqual(['刘建国', '王秀英'].sort());

    const file = await lankao.get<PatientDetail>(`/api/patients/${req.patient.id}`);
    const kase = file.cases[0]!;
    expect(kase).toMatchObject({ icd10: 'I10', status: 'chronic', nextFollowUpDue: dayFromToday(-14) });
    expect(kase.treatmentPlan).toContain('一人一策');
    expect(kase.followUps).toHaveLength(2);
    expect(kase.followUps.every((f) => f.byName === '张伟 (兰考)')).toBe(true);
  });

  it("shows it in PKU Cardiology's triage queue and inbox", async () => {
    const req = await lankaoRequest();
    const cardio = await signIn(srv!, 'pku.cardio');
    const queue = await cardio.get<ConsultationPage>('/api/consultations?view=queue');
    const row = queue.items.find((c) => c.id === req.id);
    expect(row).toMatchObject({
      state: 'submitted',
      urgency: 'urgent',
      requestingHospital: { nameZh: '兰考县人民医院' },
    });
    const detail = await cardio.get<ConsultationDetail>(`/api/consultations/${req.id}`);
    expect(detail.allowedTransitions).toEqual(
      expect.arrayContaining(['triaged', 'returned_for_information']),
    );
    const inbox = await cardio.get<NotificationList>('/api/notifications');
    expect(inbox.items.some((n) => n.kind === 'consultation.submitted' && n.entityId === req.id)).toBe(true);
    // The consultant reads the patient file through the request, with the ID number masked.
    const file = await cardio.get<PatientDetail>(`/api/patients/${req.patient.id}`);
    expect(file.nationalId).toMatch(/^410\*+\d{3}[\dX]$/);
    expect(file.editable).toBe(false);
  });

  it('shows Linquan the request accepted by PKU Nephrology, with its discussion', async () => {
    const linquan = await signIn(srv!, 'linquan.doctor');
    const mine = await linquan.get<ConsultationPage>('/api/consultations?view=mine');
    expect(mine.total).toBe(1);
    const req = mine.items[0]!;
    expect(req).toMatchObject({
      state: 'accepted',
      icd10: 'N18.4',
      patient: { name: '陈桂兰' },
      assignee: { displayName: '孙教授 Prof. Sun' },
    });
    expect(req.acceptedAt).not.toBeNull();
    const msgs = await linquan.get<Message[]>(`/api/consultations/${req.id}/messages`);
    expect(msgs.map((m) => m.author.displayName)).toEqual([
      '孙教授 Prof. Sun',
      '李娜 (临泉)',
      '孙教授 Prof. Sun',
    ]);
    expect(msgs[0]!.body).toContain('动静脉内瘘');
    const detail = await linquan.get<ConsultationDetail>(`/api/consultations/${req.id}`);
    expect(detail.transitions.map((t) => t.to)).toEqual(['draft', 'submitted', 'triaged', 'accepted']);
    const inbox = await linquan.get<NotificationList>('/api/notifications');
    const kinds = inbox.items.filter((n) => n.entityId === req.id).map((n) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['consultation.accepted', 'consultation.message_posted']));
    // Accepted: out of the queue, on the nephrologist's own list.
    const nephro = await signIn(srv!, 'pku.nephro');
    const assigned = await nephro.get<ConsultationPage>('/api/consultations?view=mine');
    expect(assigned.items.map((c) => c.id)).toEqual([req.id]);

    // The audit trail holds what the workflow writes, and its chain verifies.
    const admin = await signIn(srv!, 'sysadmin');
    const trail = await admin.get<{ action: string }[]>(
      `/api/audit?entityType=consultation&entityId=${req.id}`,
    );
    const actions = trail.map((e) => e.action);
    expect(actions.filter((a) => a === 'consultation.transition')).toHaveLength(3);
    expect(actions.filter((a) => a === 'consultation.message.post')).toHaveLength(3);
    expect(actions).toContain('consultation.create');
    expect((await admin.get<{ ok: boolean }>('/api/audit/verify')).ok).toBe(true);
  });

  it("shows Yonghe its returned request with the reason, and none of Lankao's patients", async () => {
    const req = await lankaoRequest();
    const yonghe = await signIn(srv!, 'yonghe.doctor');
    const mine = await yonghe.get<ConsultationPage>('/api/consultations');
    expect(mine.items.map((c) => [c.patient.name, c.state])).toEqual([
      ['贺海平', 'returned_for_information'],
    ]);
    const detail = await yonghe.get<ConsultationDetail>(`/api/consultations/${mine.items[0]!.id}`);
    expect(detail.returnReason).toContain('心脏超声');
    expect(detail.allowedTransitions).toEqual(expect.arrayContaining(['submitted', 'cancelled']));

    const patients = await yonghe.get<PatientPage>('/api/patients');
    expect(patients.items.map((p) => p.name)).toEqual(['贺海平']);
    await yonghe.get(`/api/patients/${req.patient.id}`, 404);
    await yonghe.get(`/api/consultations/${req.id}`, 404);
  });

  it('seeds nothing on a second start on the same data', async () => {
    await srv!.close();
    srv = null;
    srv = await startTestServer(dialect, overrides);
    expect(srv.seeded).toBe(false);
    expect(srv.demoCases).toBeNull();
    const lankao = await signIn(srv, 'lankao.doctor');
    expect((await lankao.get<PatientPage>('/api/patients')).total).toBe(2);
    expect((await lankao.get<ConsultationPage>('/api/consultations')).total).toBe(1);
    const linquan = await signIn(srv, 'linquan.doctor');
    const [req] = (await linquan.get<ConsultationPage>('/api/consultations')).items;
    expect(await linquan.get<Message[]>(`/api/consultations/${req!.id}/messages`)).toHaveLength(3);
  }, 120_000);
});
