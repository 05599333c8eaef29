/**
 * A small world for the access tests, built through the API as the demo users would: two county hospitals paired
 * with PKU First Hospital, one paired with Anzhen, cases in every standing, each carrying unique markers (patient
 * name, DICOM UIDs, report text) so a test can tell whose data an answer contains.
 *
 *  A  Lankao → PKU, accepted by pku.cardio, pku.radiology added to the care team; a study, a thread message
 *     with an attachment, a signed report; on the agenda of a LIVE round hosted by pku.cardio that invites
 *     linquan.doctor (another county) — not shared for teaching.
 *  B  Wanquan → Anzhen, accepted by anzhen.cardio; a study.
 *  C  Linquan, a draft (never submitted); a study of Linquan's linked to it.
 *  D  Yonghe → PKU, waiting in PKU's triage queue.
 */
import crypto from 'node:crypto';
import type { ConsultationDetail } from '@consult/shared';
import { part10 } from '../imaging/dicomwriter';
import { stowAs } from '../imaging/testkit';
import { createRequest, move } from '../consultations/testkit';
import { sampleContent } from '../reports/fixtures.test-helper';
import { DEMO_PASSWORD, type Session, type TestApp } from '../testing/harness';

export const USERS = [
  'lankao.doctor',
  'linquan.doctor',
  'yonghe.doctor',
  'wanquan.doctor',
  'pku.cardio',
  'pku.nephro',
  'pku.radiology',
  'anzhen.cardio',
  'anzhen.radiology',
  'program',
  'sysadmin',
] as const;
export type UserName = (typeof USERS)[number];

export interface CaseObj {
  key: 'A' | 'B' | 'C' | 'D';
  consultation: ConsultationDetail;
  patientId: string;
  /** Strings that must never reach anyone outside `readers`. */
  markers: string[];
  readers: UserName[];
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  imagingStudyId: string;
  attachmentId: string | null;
  reportId: string | null;
}

export interface World {
  s: Record<UserName, Session>;
  cases: Record<CaseObj['key'], CaseObj>;
  roundId: string;
}

let uidSeq = 0;
/** One small CT image (4×4, 16-bit) carrying the given patient, as a Part 10 file. */
export function ctImage(patientName: string, patientId: string) {
  const root = `1.2.826.0.1.3680043.10.1055.9.${Date.now()}.${process.pid}.${++uidSeq}`;
  const studyUid = `${root}.1`;
  const seriesUid = `${root}.1.1`;
  const sopUid = `${root}.1.1.1`;
  const pixels = new Uint8Array(new Uint16Array([...Array(16).keys()].map((i) => 1000 + i * 10)).buffer);
  const bytes = part10(
    {
      '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.2'],
      '00080018': ['UI', sopUid],
      '00080020': ['DA', '20261201'],
      '00080030': ['TM', '101500'],
      '00080060': ['CS', 'CT'],
      '00081030': ['LO', 'CHEST CT'],
      '00100010': ['PN', patientName],
      '00100020': ['LO', patientId],
      '00100030': ['DA', '19580312'],
      '00100040': ['CS', 'F'],
      '0020000D': ['UI', studyUid],
      '0020000E': ['UI', seriesUid],
      '00200011': ['IS', 1],
      '00200013': ['IS', 1],
      '00280002': ['US', 1],
      '00280004': ['CS', 'MONOCHROME2'],
      '00280010': ['US', 4],
      '00280011': ['US', 4],
      '00280100': ['US', 16],
      '00280101': ['US', 16],
      '00280102': ['US', 15],
      '00280103': ['US', 0],
      '00281050': ['DS', 1040],
      '00281051': ['DS', 200],
      '7FE00010': ['OW', pixels],
    },
    '1.2.840.10008.5.1.4.1.1.2',
    sopUid,
  );
  return { bytes, studyUid, seriesUid, sopUid };
}

async function ok<T = unknown>(res: { statusCode: number; body: string }, what: string): Promise<T> {
  if (res.statusCode !== 200 && res.statusCode !== 201)
    throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body || 'null') as T;
}

async function caseWithImages(
  t: TestApp,
  owner: Session,
  key: CaseObj['key'],
  target: string,
  submit: boolean,
): Promise<Omit<CaseObj, 'readers'>> {
  const tag = `MRX${key}${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
  const name = `${tag}^PATIENT`;
  const c = await createRequest(t, owner, { submit, clinicalQuestion: `question ${tag}Q` }, target);
  await ok(
    await t.as(owner, { method: 'PATCH', url: `/api/patients/${c.patient.id}`, payload: { name } }),
    'rename',
  );
  const img = ctImage(name, `PID-${tag}`);
  await ok(await stowAs(t, owner, [img.bytes]), 'stow');
  await ok(
    await t.as(owner, {
      method: 'POST',
      url: `/api/consultations/${c.id}/studies`,
      payload: { studyInstanceUid: img.studyUid },
    }),
    'link study',
  );
  const studies = await t.db
    .selectFrom('imaging_studies')
    .select('id')
    .where('study_uid', '=', img.studyUid)
    .executeTakeFirstOrThrow();
  return {
    key,
    consultation: c,
    patientId: c.patient.id,
    markers: [tag, img.studyUid, img.sopUid],
    studyUid: img.studyUid,
    seriesUid: img.seriesUid,
    sopUid: img.sopUid,
    imagingStudyId: studies.id,
    attachmentId: null,
    reportId: null,
  };
}

export async function buildWorld(t: TestApp): Promise<World> {
  const s = {} as Record<UserName, Session>;
  for (const u of USERS) s[u] = await t.login(u);

  // A: through acceptance, the team, the thread and a signed report.
  const a = await caseWithImages(t, s['lankao.doctor'], 'A', 'Peking University First', true);
  const aid = a.consultation.id;
  await ok(
    await move(t, s['pku.cardio'], aid, { to: 'triaged', assigneeId: s['pku.cardio'].userId }),
    'triage A',
  );
  await ok(await move(t, s['pku.cardio'], aid, { to: 'accepted' }), 'accept A');
  await ok(
    await t.as(s['pku.cardio'], {
      method: 'POST',
      url: `/api/consultations/${aid}/team`,
      payload: { userId: s['pku.radiology'].userId, purpose: 'imaging' },
    }),
    'add radiologist',
  );
  const att = await ok<{ id: string }>(
    await t.as(s['lankao.doctor'], {
      method: 'POST',
      url: `/api/consultations/${aid}/attachments?fileName=ecg-${a.markers[0]}.pdf`,
      headers: { 'content-type': 'application/pdf' },
      payload: Buffer.from(`%PDF-1.4\n% ${a.markers[0]}ATT\n%%EOF\n`, 'latin1'),
    }),
    'attach',
  );
  a.attachmentId = att.id;
  const rep = await ok<{ id: string; draft: { revision: number } }>(
    await t.as(s['pku.cardio'], { method: 'POST', url: `/api/consultations/${aid}/report` }),
    'open report',
  );
  const content = { ...sampleContent(), findings: `findings ${a.markers[0]}REPORT` };
  await ok(
    await t.as(s['pku.cardio'], {
      method: 'PUT',
      url: `/api/reports/${rep.id}/draft`,
      payload: { content, baseRevision: rep.draft.revision },
    }),
    'draft',
  );
  await ok(
    await t.as(s['pku.cardio'], {
      method: 'POST',
      url: `/api/reports/${rep.id}/sign`,
      payload: { password: DEMO_PASSWORD },
    }),
    'sign',
  );
  a.reportId = rep.id;

  // A live round presenting A, with an invitee of another county hospital (no teaching consent).
  const round = await ok<{ id: string }>(
    await t.as(s['pku.cardio'], {
      method: 'POST',
      url: '/api/rounds',
      payload: {
        title: 'Cardiology rounds',
        kind: 'ward_round',
        scheduledAt: new Date().toISOString(),
        inviteeIds: [s['linquan.doctor'].userId, s['pku.radiology'].userId],
        agenda: [{ title: 'Case 1', consultationId: aid }],
      },
    }),
    'round',
  );
  const roundId = round.id;
  await t.db
    .updateTable('rounds')
    .set({ status: 'live', started_at: new Date() })
    .where('id', '=', roundId)
    .execute();

  const b = await caseWithImages(t, s['wanquan.doctor'], 'B', 'Beijing Anzhen', true);
  const bid = b.consultation.id;
  await ok(
    await move(t, s['anzhen.cardio'], bid, { to: 'triaged', assigneeId: s['anzhen.cardio'].userId }),
    'triage B',
  );
  await ok(await move(t, s['anzhen.cardio'], bid, { to: 'accepted' }), 'accept B');
  const c = await caseWithImages(t, s['linquan.doctor'], 'C', 'Peking University First', false);
  const d = await caseWithImages(t, s['yonghe.doctor'], 'D', 'Peking University First', true);

  return {
    s,
    roundId,
    cases: {
      A: { ...a, readers: ['lankao.doctor', 'pku.cardio', 'pku.radiology'] },
      B: { ...b, readers: ['wanquan.doctor', 'anzhen.cardio'] },
      C: { ...c, readers: ['linquan.doctor'] },
      D: { ...d, readers: ['yonghe.doctor', 'pku.cardio', 'pku.nephro', 'pku.radiology'] },
    },
  };
}

/** The markers `user` must not see anywhere: those of every case they are not a reader of. */
export function forbiddenMarkers(w: World, user: UserName | 'anonymous'): string[] {
  return Object.values(w.cases).flatMap((c) =>
    user !== 'anonymous' && c.readers.includes(user) ? [] : c.markers,
  );
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** A plausible value for a TypeBox schema (the shape of a socket payload), for generated event matrices. */
export function sampleOf(schema: Record<string, unknown>): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.anyOf)) return sampleOf(schema.anyOf[0] as Record<string, unknown>);
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(required.map((k) => [k, sampleOf(props[k]!)]));
    }
    case 'array':
      return Array.isArray(schema.items) ? (schema.items as Record<string, unknown>[]).map(sampleOf) : [];
    case 'string':
      return schema.format === 'uuid' ? NIL_UUID : '1.2.3';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    default:
      return {};
  }
}
