import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoundDetail, RoundSummary } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';

const userId = async (t: TestApp, username: string) =>
  (await t.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

describe.each(DIALECTS)('rounds over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let host: Session;
  let lankao: Session;
  let round: RoundDetail;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    host = await t.login('pku.cardio');
    lankao = await t.login('lankao.doctor');
  });
  afterAll(async () => t?.close());

  const create = (s: Session, body: Record<string, unknown>) =>
    t.as(s, { method: 'POST', url: '/api/rounds', payload: body });
  const base = {
    title: '心内科远程查房 Cardiology ward round',
    kind: 'ward_round',
    scheduledAt: '2026-12-01T02:00:00.000Z',
  };

  it('a specialist schedules a round with invitees from paired hospitals and an agenda', async () => {
    const res = await create(host, {
      ...base,
      inviteeIds: [await userId(t, 'lankao.doctor'), await userId(t, 'yonghe.doctor')],
      agenda: [
        { title: '65岁男性 胸痛 / 65M chest pain', presenterId: await userId(t, 'lankao.doctor') },
        { title: 'ECG review' },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    round = res.json();
    expect(round.status).toBe('scheduled');
    expect(round.host.hospitalNameEn).toBe('Peking University First Hospital');
    expect(round.invitees.map((i) => i.hospitalNameEn).sort()).toEqual([
      "Lankao County People's Hospital",
      "Yonghe County People's Hospital",
    ]);
    expect(round.agenda.map((a) => a.position)).toEqual([0, 1]);
    expect(round.canEdit && round.canRecord && round.canJoin).toBe(true);
  });

  it('invitees see the round and get an inbox notification; they cannot edit or record', async () => {
    const list = (await t.as(lankao, { url: '/api/rounds' })).json() as RoundSummary[];
    expect(list.map((r) => r.id)).toContain(round.id);
    const d = (await t.as(lankao, { url: `/api/rounds/${round.id}` })).json() as RoundDetail;
    expect(d.canJoin).toBe(true);
    expect(d.canEdit || d.canRecord).toBe(false);
    const inbox = (await t.as(lankao, { url: '/api/notifications' })).json() as {
      items: { kind: string; entityId: string }[];
    };
    expect(inbox.items.some((n) => n.kind === 'round.invited' && n.entityId === round.id)).toBe(true);
    expect(
      (await t.as(lankao, { method: 'PATCH', url: `/api/rounds/${round.id}`, payload: { title: 'x' } }))
        .statusCode,
    ).toBe(403);
  });

  it("the host's same-hospital colleagues see it; uninvited county doctors and admins do not", async () => {
    const nephro = await t.login('pku.nephro');
    expect((await t.as(nephro, { url: `/api/rounds/${round.id}` })).statusCode).toBe(200);
    const linquan = await t.login('linquan.doctor');
    expect((await t.as(linquan, { url: `/api/rounds/${round.id}` })).statusCode).toBe(404);
    expect(
      ((await t.as(linquan, { url: '/api/rounds' })).json() as RoundSummary[]).map((r) => r.id),
    ).not.toContain(round.id);
    const anzhen = await t.login('anzhen.cardio');
    expect((await t.as(anzhen, { url: `/api/rounds/${round.id}` })).statusCode).toBe(404);
    const admin = await t.login('sysadmin');
    expect((await t.as(admin, { url: `/api/rounds/${round.id}` })).statusCode).toBe(403);
  });

  it('refuses invitees outside the paired network, presenters who are not taking part, and county hosts', async () => {
    const wanquan = await create(host, {
      ...base,
      inviteeIds: [await userId(t, 'wanquan.doctor')],
      agenda: [],
    });
    expect(wanquan.statusCode).toBe(400);
    expect(wanquan.json().field).toBe('inviteeIds');
    const admin = await create(host, { ...base, inviteeIds: [await userId(t, 'program')], agenda: [] });
    expect(admin.statusCode).toBe(400);
    const presenter = await create(host, {
      ...base,
      inviteeIds: [],
      agenda: [{ title: 'x', presenterId: await userId(t, 'linquan.doctor') }],
    });
    expect(presenter.statusCode).toBe(400);
    expect(presenter.json().field).toBe('agenda/0/presenterId');
    const unknownCase = await create(host, {
      ...base,
      inviteeIds: [],
      agenda: [{ title: 'x', consultationId: '0b9f7c1e-6c55-4b43-9df3-9a7f0d5a0c11' }],
    });
    expect(unknownCase.statusCode).toBe(400);
    expect((await create(lankao, { ...base, inviteeIds: [], agenda: [] })).statusCode).toBe(403);
  });

  it('the host edits the agenda and invitees; newly invited users are notified', async () => {
    const linquanId = await userId(t, 'linquan.doctor');
    const res = await t.as(host, {
      method: 'PATCH',
      url: `/api/rounds/${round.id}`,
      payload: {
        inviteeIds: [await userId(t, 'lankao.doctor'), linquanId],
        agenda: [{ title: 'Only case' }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json() as RoundDetail;
    expect(d.invitees.map((i) => i.userId)).toContain(linquanId);
    expect(d.agenda.map((a) => a.title)).toEqual(['Only case']);
    const linquan = await t.login('linquan.doctor');
    expect((await t.as(linquan, { url: `/api/rounds/${round.id}` })).statusCode).toBe(200);
  });

  it('an edit of the invitees alone works (no other field changes) and removal hides the round', async () => {
    const linquanId = await userId(t, 'linquan.doctor');
    const res = await t.as(host, {
      method: 'PATCH',
      url: `/api/rounds/${round.id}`,
      payload: { inviteeIds: [await userId(t, 'lankao.doctor')] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as RoundDetail).invitees.map((i) => i.userId)).not.toContain(linquanId);
    const linquan = await t.login('linquan.doctor');
    expect((await t.as(linquan, { url: `/api/rounds/${round.id}` })).statusCode).toBe(404);
  });

  it('only the host ends the round; an ended round can no longer be edited', async () => {
    expect((await t.as(lankao, { method: 'POST', url: `/api/rounds/${round.id}/end` })).statusCode).toBe(403);
    const ended = await t.as(host, { method: 'POST', url: `/api/rounds/${round.id}/end` });
    expect(ended.statusCode).toBe(200);
    expect(ended.json().status).toBe('ended');
    expect(
      (await t.as(host, { method: 'PATCH', url: `/api/rounds/${round.id}`, payload: { title: 'late' } }))
        .statusCode,
    ).toBe(409);
    const audit = await t.db
      .selectFrom('audit_events')
      .select('action')
      .where('entity_id', '=', round.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['round.create', 'round.update', 'round.end', 'round.read']),
    );
  });
});
