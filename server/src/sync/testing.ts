/**
 * Test helpers for synchronized viewing (server tests and the benchmark): sign in over HTTP, socket clients that
 * record sync events, the corpus CT uploaded through the imaging API, and a live round linking it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import {
  SESSION_COOKIE,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SyncCommandData,
  type SyncCommandResponses,
  type SyncCommandType,
  type SyncDraftEvent,
  type SyncEvent,
  type SyncLaserEvent,
  type SyncRevokedEvent,
  type SyncViewport,
} from '@consult/shared';
import type { DB } from '../db/database';
import { CORPUS } from '../imaging/testkit';

/** The corpus CT series (found from a worktree too, as the imaging test kit finds the corpus). */
export const CT_DIR = path.join(CORPUS, 'generated/ct_series');
export const DEMO_PASSWORD = 'Demo-2026-consult';

export interface HttpUser {
  username: string;
  id: string;
  cookie: string;
  csrf: string;
}

export async function httpLogin(baseUrl: string, username: string): Promise<HttpUser> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookie = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(res.headers.get('set-cookie') ?? '')![1]!;
  const me = (await res.json()) as { id: string; csrfToken: string };
  return { username, id: me.id, cookie, csrf: me.csrfToken };
}

export async function http(baseUrl: string, u: HttpUser | null, method: string, url: string, body?: unknown) {
  const res = await fetch(baseUrl + url, {
    method,
    headers: {
      ...(u ? { cookie: `${SESSION_COOKIE}=${u.cookie}`, 'x-csrf-token': u.csrf } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test answers are read field by field
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

export type SyncClient = Socket<ServerToClientEvents, ClientToServerEvents> & {
  events: SyncEvent[];
  drafts: SyncDraftEvent[];
  lasers: SyncLaserEvent[];
  revoked: SyncRevokedEvent[];
};

export async function syncSocket(baseUrl: string, u: HttpUser): Promise<SyncClient> {
  const s = connect(baseUrl, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { cookie: `${SESSION_COOKIE}=${u.cookie}` },
    reconnection: false,
    forceNew: true,
  }) as SyncClient;
  s.events = [];
  s.drafts = [];
  s.lasers = [];
  s.revoked = [];
  s.on('sync:event', (e) => s.events.push(e));
  s.on('sync:draft', (e) => s.drafts.push(e));
  s.on('sync:laser', (e) => s.lasers.push(e));
  s.on('sync:revoked', (e) => s.revoked.push(e));
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

/** Send a sync command and wait for its ack. */
export function cmd<T extends SyncCommandType>(
  s: SyncClient,
  type: T,
  data: SyncCommandData<T>,
): Promise<Ack<SyncCommandResponses[T]>> {
  return (
    s.timeout(10_000) as unknown as {
      emitWithAck(ev: string, d: unknown): Promise<Ack<SyncCommandResponses[T]>>;
    }
  ).emitWithAck(`sync:${type}`, data);
}

/** Wait (bounded) until `pred` holds; polls a condition on collected events, no fixed sleeps. */
export async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Upload the corpus CT folder as `u` through the imaging API (13 files: a 10-slice study and a 3-slice one);
 * returns the larger study's UID, id and series.
 */
export async function uploadCorpusCt(
  baseUrl: string,
  u: HttpUser,
): Promise<{ studyUid: string; studyId: string; seriesUid: string }> {
  const files = fs.readdirSync(CT_DIR).filter((f) => f.endsWith('.dcm'));
  const studies = new Map<string, { studyId: string; n: number }>();
  for (const f of files) {
    const res = await fetch(`${baseUrl}/api/imaging/instances`, {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${u.cookie}`,
        'x-csrf-token': u.csrf,
        'content-type': 'application/dicom',
      },
      body: fs.readFileSync(path.join(CT_DIR, f)),
    });
    const j = (await res.json()) as { status: string; studyInstanceUid: string; studyId: string };
    if (res.status >= 300 && j.status !== 'already_stored')
      throw new Error(`upload ${f}: ${res.status} ${JSON.stringify(j)}`);
    const cur = studies.get(j.studyInstanceUid) ?? { studyId: j.studyId, n: 0 };
    studies.set(j.studyInstanceUid, { ...cur, n: cur.n + 1 });
  }
  const [studyUid, { studyId }] = [...studies.entries()].sort((a, b) => b[1].n - a[1].n)[0]!;
  const detail = await http(baseUrl, u, 'GET', `/api/imaging/studies/${studyId}`);
  return { studyUid, studyId, seriesUid: detail.json.series[0].seriesInstanceUid as string };
}

const userId = async (db: DB, username: string) =>
  await db
    .selectFrom('users')
    .select(['id', 'hospital_id'])
    .where('username', '=', username)
    .executeTakeFirstOrThrow();

/**
 * A consultation from `requester`'s hospital to `consultant`'s linking `studyUid`, and a LIVE round hosted by
 * `host` with `invitees` whose agenda presents that consultation. Rows are written directly (the round and
 * consultation flows have their own tests).
 */
export async function seedLiveRound(
  db: DB,
  opts: {
    host: string;
    invitees: string[];
    requester: string;
    consultant: string;
    studyUid: string;
    /** The requesting hospital consented to teaching use (invitees outside the care team then view it). */
    sharedForTeaching?: boolean;
  },
): Promise<{ roundId: string; consultationId: string }> {
  const req = await userId(db, opts.requester);
  const con = await userId(db, opts.consultant);
  const host = await userId(db, opts.host);
  const patientId = crypto.randomUUID();
  const caseId = crypto.randomUUID();
  const consultationId = crypto.randomUUID();
  const roundId = crypto.randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('patients')
      .values({
        id: patientId,
        hospital_id: req.hospital_id!,
        name: '测试 Test',
        sex: 'male',
        birth_date: '1960-01-01',
        national_id: null,
        phone: null,
        address: null,
        village: null,
        created_by: req.id,
      })
      .execute();
    await trx
      .insertInto('patient_cases')
      .values({
        id: caseId,
        patient_id: patientId,
        diagnosis: 'Lung nodule',
        icd10: 'R91',
        status: 'active',
        created_by: req.id,
      })
      .execute();
    await trx
      .insertInto('consultations')
      .values({
        id: consultationId,
        patient_id: patientId,
        case_id: caseId,
        requesting_hospital_id: req.hospital_id!,
        requester_id: req.id,
        target_hospital_id: con.hospital_id!,
        target_department_id: null,
        type: 'ward_round_case',
        urgency: 'routine',
        state: 'accepted',
        clinical_question: 'Nodule in the right upper lobe?',
        assigned_to: con.id,
        decline_reason: null,
        return_reason: null,
        submitted_at: new Date(),
        sla_due_at: null,
        responded_at: null,
        accepted_at: new Date(),
        completed_at: null,
        sla_warned_at: null,
        shared_for_teaching: opts.sharedForTeaching ?? false,
      })
      .execute();
    // The host put the case on the agenda, so the host is on its care team (the access policy requires it).
    if (host.id !== con.id)
      await trx
        .insertInto('care_team_members')
        .values({
          consultation_id: consultationId,
          user_id: host.id,
          purpose: 'second_opinion',
          added_by: con.id,
        })
        .execute();
    await trx
      .insertInto('consultation_studies')
      .values({ consultation_id: consultationId, study_instance_uid: opts.studyUid, linked_by: req.id })
      .execute();
    await trx
      .insertInto('rounds')
      .values({
        id: roundId,
        title: 'Teaching round 教学查房',
        kind: 'teaching',
        status: 'live',
        scheduled_at: new Date(),
        host_id: host.id,
        hospital_id: host.hospital_id!,
        current_agenda_item_id: null,
        started_at: new Date(),
        ended_at: null,
      })
      .execute();
    for (const name of opts.invitees) {
      await trx
        .insertInto('round_invitees')
        .values({ round_id: roundId, user_id: (await userId(trx as unknown as DB, name)).id })
        .execute();
    }
    await trx
      .insertInto('round_agenda_items')
      .values({
        id: crypto.randomUUID(),
        round_id: roundId,
        position: 0,
        title: 'CT chest',
        consultation_id: consultationId,
        presenter_id: null,
      })
      .execute();
  });
  return { roundId, consultationId };
}

/** A viewport on one image of a series, lung-neutral defaults (tests and benchmarks). */
export const viewportAt = (
  studyUid: string,
  seriesUid: string,
  imageIndex: number,
  over: Partial<SyncViewport> = {},
): SyncViewport => ({
  studyUid,
  seriesUid,
  imageIndex,
  windowCenter: 40,
  windowWidth: 400,
  zoom: 1,
  pan: [0, 0],
  rotation: 0,
  flipHorizontal: false,
  flipVertical: false,
  invert: false,
  cine: { playing: false, fps: 10 },
  ...over,
});
