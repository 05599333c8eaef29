/**
 * Rounds from the case over HTTP, both dialects: the prefilled draft (title without ids, the case on the agenda,
 * its care team invited), the agenda picker's cases, creation that schedules the request in the same
 * transaction (or nothing at all), invitations with the join link, agenda items withheld from invitees outside
 * the care team, and the .ics file (parsed by ical.js and checked line by line against RFC 5545).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import type { ConsultationDetail, PresentableCase, RoundDetail, RoundDraft } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest, move } from '../consultations/testkit';
import { checkIcs } from './ics.test-helper';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe.each(DIALECTS)('rounds from the case (%s)', (dialect) => {
  let t: TestApp;
  let cardio: Session;
  let lankao: Session;
  let radiology: Session;
  let nephro: Session;
  let linquan: Session;
  let c: ConsultationDetail;
  /** A second case, with pku.nephro added to its team (not to c's). */
  let c2: ConsultationDetail;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    for (const u of ['pku.cardio', 'pku.nephro', 'pku.radiology', 'lankao.doctor', 'linquan.doctor'])
      ids[u] = (
        await t.db.selectFrom('users').select('id').where('username', '=', u).executeTakeFirstOrThrow()
      ).id;
    cardio = await t.login('pku.cardio');
    lankao = await t.login('lankao.doctor');
    radiology = await t.login('pku.radiology');
    nephro = await t.login('pku.nephro');
    linquan = await t.login('linquan.doctor');
    c = await createRequest(t, lankao, {
      clinicalQuestion: '胸痛3天，是否需要冠脉造影？\nChest pain, angiography?',
    });
    expect((await move(t, cardio, c.id, { to: 'triaged', assigneeId: ids['pku.cardio'] })).statusCode).toBe(
      200,
    );
    expect((await move(t, cardio, c.id, { to: 'accepted' })).statusCode).toBe(200);
    const added = await t.as(cardio, {
      method: 'POST',
      url: `/api/consultations/${c.id}/team`,
      payload: { userId: ids['pku.radiology'], purpose: 'imaging' },
    });
    expect(added.statusCode, added.body).toBe(200);
    c2 = await createRequest(t, lankao, { clinicalQuestion: '血压控制不佳' }, undefined, { name: '李建国' });
    expect((await move(t, cardio, c2.id, { to: 'triaged', assigneeId: ids['pku.cardio'] })).statusCode).toBe(
      200,
    );
    expect((await move(t, cardio, c2.id, { to: 'accepted' })).statusCode).toBe(200);
    const second = await t.as(cardio, {
      method: 'POST',
      url: `/api/consultations/${c2.id}/team`,
      payload: { userId: ids['pku.nephro'], purpose: 'second_opinion' },
    });
    expect(second.statusCode, second.body).toBe(200);
  });
  afterAll(async () => t?.close());

  const draftOf = (s: Session, id: string) => t.as(s, { url: `/api/rounds/draft?consultationId=${id}` });
  const caseState = async () =>
    (await t.db.selectFrom('consultations').select('state').where('id', '=', c.id).executeTakeFirstOrThrow())
      .state;

  it('prefills title (patient · question, no ids), the case on the agenda and its care team', async () => {
    const res = await draftOf(cardio, c.id);
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json() as RoundDraft;
    expect(d.title).toBe('王秀兰 · 胸痛3天，是否需要冠脉造影？ Chest pain, angiography?');
    expect(d.title).not.toMatch(UUID);
    expect(d.case.consultationId).toBe(c.id);
    expect(d.invitees.map((p) => p.userId).sort()).toEqual(
      [ids['lankao.doctor'], ids['pku.radiology']].sort(),
    );
    expect(d.invitees.find((p) => p.userId === ids['pku.radiology'])?.hospitalNameEn).toBe(
      'Peking University First Hospital',
    );
    expect(d.schedulesCase).toBe(true);
    // A specialist added to a case's team may present it too, but moving the request is the consultant's.
    const memberRes = await draftOf(nephro, c2.id);
    expect(memberRes.statusCode, memberRes.body).toBe(200);
    const member = memberRes.json() as RoundDraft;
    expect(member.schedulesCase).toBe(false);
    expect(member.invitees.map((p) => p.userId).sort()).toEqual(
      [ids['lankao.doctor'], ids['pku.cardio']].sort(),
    );
  });

  it('nobody off the care team gets a draft or sees the case among the presentable ones', async () => {
    expect((await draftOf(nephro, c.id)).statusCode).toBe(404);
    const list = await t.as(nephro, { url: '/api/rounds/presentable' });
    expect((list.json() as PresentableCase[]).map((x) => x.consultationId)).not.toContain(c.id);
    expect(list.body).not.toContain('王秀兰');
    // County doctors do not host rounds.
    expect((await draftOf(linquan, c.id)).statusCode).toBe(403);
    expect((await t.as(linquan, { url: '/api/rounds/presentable' })).statusCode).toBe(403);
    const mineRes = await t.as(cardio, { url: `/api/rounds/presentable?q=${encodeURIComponent('冠脉')}` });
    expect(mineRes.statusCode, mineRes.body).toBe(200);
    expect((mineRes.json() as PresentableCase[]).map((x) => x.consultationId)).toEqual([c.id]);
    expect((await t.as(cardio, { url: '/api/rounds/presentable?q=%25' })).json()).toEqual([]);
    const all = (await t.as(nephro, { url: '/api/rounds/presentable' })).json() as PresentableCase[];
    expect(all.map((x) => x.consultationId)).toEqual([c2.id]);
    const bad = await draftOf(cardio, 'not-a-uuid');
    expect(bad.statusCode).toBe(400);
  });

  it('a request closed without an answer cannot be presented', async () => {
    const other = await createRequest(t, lankao);
    expect(
      (await move(t, cardio, other.id, { to: 'triaged', assigneeId: ids['pku.cardio'] })).statusCode,
    ).toBe(200);
    expect((await move(t, cardio, other.id, { to: 'accepted' })).statusCode).toBe(200);
    expect((await draftOf(cardio, other.id)).statusCode).toBe(200);
    expect((await move(t, lankao, other.id, { to: 'cancelled', reason: '患者已转院' })).statusCode).toBe(200);
    expect((await draftOf(cardio, other.id)).statusCode).toBe(409);
  });

  let round: RoundDetail;
  const base = (over: Record<string, unknown> = {}) => ({
    title: '王秀兰 · 胸痛; 冠脉造影, 讨论\\会诊',
    kind: 'ward_round',
    scheduledAt: '2026-12-10T01:30:00.000Z',
    durationMinutes: 45,
    inviteeIds: [ids['lankao.doctor'], ids['pku.radiology']],
    agenda: [{ title: '王秀兰 · 胸痛', consultationId: c.id }],
    ...over,
  });

  it('refuses a scheduled-from case that is not on the agenda, saving nothing', async () => {
    const before = await t.db.selectFrom('rounds').select('id').execute();
    const res = await t.as(cardio, {
      method: 'POST',
      url: '/api/rounds',
      payload: base({ agenda: [{ title: 'x' }], scheduleCase: c.id }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('scheduleCase');
    expect(await t.db.selectFrom('rounds').select('id').execute()).toHaveLength(before.length);
    expect(await caseState()).toBe('accepted');
    // Someone who may present but not move the request (a specialist added to the team) is refused as a whole.
    const member = await t.as(nephro, {
      method: 'POST',
      url: '/api/rounds',
      payload: base({
        inviteeIds: [ids['lankao.doctor']],
        agenda: [{ title: 'x', consultationId: c2.id }],
        scheduleCase: c2.id,
      }),
    });
    expect(member.statusCode, member.body).toBe(403);
    expect(await t.db.selectFrom('rounds').select('id').execute()).toHaveLength(before.length);
  });

  it('creates the round, schedules the request in the same step and invites with a join link', async () => {
    const res = await t.as(cardio, {
      method: 'POST',
      url: '/api/rounds',
      payload: base({ scheduleCase: c.id }),
    });
    expect(res.statusCode, res.body).toBe(201);
    round = res.json();
    expect(await caseState()).toBe('scheduled');
    for (const s of [lankao, radiology]) {
      const inbox = (await t.as(s, { url: '/api/notifications' })).json() as {
        items: { kind: string; entityId: string; data: Record<string, unknown> }[];
      };
      const n = inbox.items.find((x) => x.kind === 'round.invited' && x.entityId === round.id);
      expect(n?.data).toMatchObject({
        roundTitle: round.title,
        scheduledAt: '2026-12-10T01:30:00.000Z',
        joinPath: `/rounds/${round.id}/room`,
      });
    }
    const actions = await t.db
      .selectFrom('audit_events')
      .select('action')
      .where('entity_id', 'in', [round.id, c.id])
      .execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['round.create', 'consultation.transition']),
    );
  });

  it('an invitee off the care team sees the agenda item withheld (title and case)', async () => {
    const patch = await t.as(cardio, {
      method: 'PATCH',
      url: `/api/rounds/${round.id}`,
      payload: { title: 'Cardiology round', inviteeIds: [ids['lankao.doctor'], ids['pku.nephro']] },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const seen = await t.as(nephro, { url: `/api/rounds/${round.id}` });
    expect(seen.statusCode).toBe(200);
    expect(seen.json().agenda).toEqual([
      expect.objectContaining({ title: '', consultationId: null, withheld: true }),
    ]);
    expect(seen.body).not.toContain('王秀兰');
    expect(seen.body).not.toContain(c.id);
    const team = (await t.as(lankao, { url: `/api/rounds/${round.id}` })).json() as RoundDetail;
    expect(team.agenda[0]).toMatchObject({ title: '王秀兰 · 胸痛', consultationId: c.id, withheld: false });
  });

  it('serves an RFC 5545 calendar file with the join link, agenda withheld alike', async () => {
    const res = await t.as(lankao, { url: `/api/rounds/${round.id}/calendar.ics` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="round-2026-12-10\.ics"$/);
    checkIcs(res.body);
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(res.body)).getFirstSubcomponent('vevent')!);
    expect(event.uid).toMatch(new RegExp(`^${round.id}@`));
    expect(event.summary).toBe('Cardiology round');
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-12-10T01:30:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-12-10T02:15:00.000Z');
    const url = event.component.getFirstPropertyValue('url') as string;
    expect(url).toMatch(new RegExp(`^https?://[^/]+/rounds/${round.id}/room$`));
    expect(event.description).toContain(url);
    expect(event.description).toContain('王秀兰 · 胸痛');
    const outside = await t.as(nephro, { url: `/api/rounds/${round.id}/calendar.ics` });
    checkIcs(outside.body);
    expect(outside.body).not.toContain('王秀兰');
    expect((await t.as(linquan, { url: `/api/rounds/${round.id}/calendar.ics` })).statusCode).toBe(404);
  });

  it('escapes and folds a title with separators and long Chinese text', async () => {
    const title = `王秀兰 · 胸痛; 冠脉造影, 讨论\\会诊 ${'心功能不全'.repeat(12)}`;
    const res = await t.as(cardio, { method: 'PATCH', url: `/api/rounds/${round.id}`, payload: { title } });
    expect(res.statusCode, res.body).toBe(200);
    const ics = (await t.as(cardio, { url: `/api/rounds/${round.id}/calendar.ics` })).body;
    checkIcs(ics);
    expect(ics).toContain('SUMMARY:王秀兰 · 胸痛\\; 冠脉造影\\, 讨论\\\\会诊');
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
    expect(event.summary).toBe(title);
  });
});
