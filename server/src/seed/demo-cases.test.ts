import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ConsultationDetail,
  ConsultationPage,
  Message,
  NotificationList,
  PatientDetail,
  PatientPage,
  StudySummary,
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
  /** A DICOMweb (or any) GET as them: status, content type and body bytes. */
  const raw = async (url: string, accept = 'application/dicom+json') => {
    const r = await srv.app.inject({ url, headers: { accept }, cookies: { [SESSION_COOKIE]: cookie } });
    return { status: r.statusCode, type: String(r.headers['content-type'] ?? ''), body: r.rawPayload };
  };
  return { get, raw };
}

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>[];
const first = (ds: DicomJson[number], tag: string) => ds[tag]?.Value?.[0];

/** QIDO for one study UID as a user: the matching study rows (an empty answer may be 204 or []). */
async function qidoStudy(user: Awaited<ReturnType<typeof signIn>>, uid: string): Promise<DicomJson> {
  const r = await user.raw(`/dicomweb/studies?StudyInstanceUID=${uid}&includefield=all`);
  expect([200, 204]).toContain(r.status);
  return r.status === 204 || r.body.length === 0 ? [] : (JSON.parse(r.body.toString('utf8')) as DicomJson);
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
    expect(text).toMatch(/刘建国.*胸部CT平扫 \(4 images\) linked/);
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

  it('links a synthetic CT study to each request, seen through DICOMweb by the care team only', async () => {
    const who = {
      lankao: await signIn(srv!, 'lankao.doctor'),
      linquan: await signIn(srv!, 'linquan.doctor'),
      yonghe: await signIn(srv!, 'yonghe.doctor'),
      cardio: await signIn(srv!, 'pku.cardio'),
      nephro: await signIn(srv!, 'pku.nephro'),
    };
    const studyOf = async (user: Awaited<ReturnType<typeof signIn>>) => {
      const [req] = (await user.get<ConsultationPage>('/api/consultations?view=mine')).items;
      const detail = await user.get<ConsultationDetail>(`/api/consultations/${req!.id}`);
      expect(detail.studies).toHaveLength(1);
      return { req: detail, uid: detail.studies[0]!.studyInstanceUid };
    };
    const liu = await studyOf(who.lankao);
    const chen = await studyOf(who.linquan);
    const he = await studyOf(who.yonghe);
    expect(new Set([liu.uid, chen.uid, he.uid]).size).toBe(3);

    // The owner sees the study with the patient's demographics, as a CT of 4 slices acquired 3 days ago.
    const [row] = await qidoStudy(who.lankao, liu.uid);
    expect(first(row!, '00100010')).toEqual({ Alphabetic: '刘建国' });
    expect(first(row!, '00100030')).toBe('19570314');
    expect(first(row!, '00100040')).toBe('M');
    expect(first(row!, '00080020')).toBe(dayFromToday(-3).replaceAll('-', ''));
    expect(first(row!, '00081030')).toBe('胸部CT平扫');
    expect(row!['00080061']?.Value).toEqual(['CT']);
    expect(first(row!, '00201208')).toBe(4);
    // The study is tied to the patient's case too, and shows in the hospital's study list.
    const listed = await who.lankao.get<StudySummary[]>('/api/imaging/studies');
    const summary = listed.find((x) => x.studyInstanceUid === liu.uid)!;
    expect(summary).toMatchObject({ patientName: '刘建国', numInstances: 4, modalities: ['CT'] });
    expect(summary.caseId).toBe(liu.req.caseId);

    // Every slice renders: real pixel data, a phantom with air outside and a body inside.
    const instances = await who.lankao.raw(`/dicomweb/studies/${liu.uid}/instances`);
    const sops = (JSON.parse(instances.body.toString('utf8')) as DicomJson).map((i) => [
      first(i, '0020000E'),
      first(i, '00080018'),
    ]);
    expect(sops).toHaveLength(4);
    for (const [series, sop] of sops) {
      const png = await who.lankao.raw(
        `/dicomweb/studies/${liu.uid}/series/${series}/instances/${sop}/rendered`,
        'image/png',
      );
      expect(png.status).toBe(200);
      expect(png.type).toContain('image/png');
      expect(png.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    }

    // Care teams: PKU's triage queue (Liu's request is submitted there) and the consultant (nephro, Chen's).
    expect(await qidoStudy(who.cardio, liu.uid)).toHaveLength(1);
    expect(await qidoStudy(who.nephro, liu.uid)).toHaveLength(1);
    expect(await qidoStudy(who.nephro, chen.uid)).toHaveLength(1);
    expect(await qidoStudy(who.linquan, chen.uid)).toHaveLength(1);
    // Nobody else: another county hospital, a specialist not on that team.
    expect(await qidoStudy(who.yonghe, liu.uid)).toEqual([]);
    expect(await qidoStudy(who.linquan, liu.uid)).toEqual([]);
    expect(await qidoStudy(who.cardio, chen.uid)).toEqual([]);
    expect(await qidoStudy(who.nephro, he.uid)).toEqual([]);
    // A returned request stays in view of the specialist who returned it, and of its county.
    expect(await qidoStudy(who.cardio, he.uid)).toHaveLength(1);
    expect(await qidoStudy(who.yonghe, he.uid)).toHaveLength(1);
    const denied = await who.yonghe.raw(`/dicomweb/studies/${liu.uid}/metadata`);
    expect(denied.status).toBe(404);
    expect(denied.body.toString('utf8')).not.toContain('刘建国');
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
