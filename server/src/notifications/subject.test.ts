/** Notifications name what they are about (the patient, the round) and are marked read one by one or all at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsultationDetail, NotificationList } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest } from '../consultations/testkit';

describe.each(DIALECTS)('notification subjects (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session, cardio: Session;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    [lankao, cardio] = await Promise.all([t.login('lankao.doctor'), t.login('pku.cardio')]);
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  const inbox = async (s: Session) =>
    (await t.as(s, { url: '/api/notifications?limit=200' })).json() as NotificationList;

  it('a new request names its patient in the consultant’s inbox; read one, then all', async () => {
    const names = ['赵桂芳', '钱秀兰'];
    const requests: ConsultationDetail[] = [];
    for (const name of names)
      requests.push(await createRequest(t, lankao, {}, 'Peking University First', { name }));
    const list = await inbox(cardio);
    for (const [i, c] of requests.entries()) {
      const n = list.items.find((x) => x.entityId === c.id && x.kind === 'consultation.submitted');
      expect(n, names[i]).toBeDefined();
      expect(n!.data.patientName).toBe(names[i]);
    }
    const unread = list.unread;
    expect(unread).toBeGreaterThanOrEqual(2);
    const first = list.items.find((x) => x.entityId === requests[0]!.id)!;
    const one = await t.as(cardio, {
      method: 'POST',
      url: '/api/notifications/read',
      payload: { ids: [first.id] },
    });
    expect(one.json()).toEqual({ updated: 1 });
    expect((await inbox(cardio)).unread).toBe(unread - 1);
    await t.as(cardio, { method: 'POST', url: '/api/notifications/read', payload: { ids: 'all' } });
    expect((await inbox(cardio)).unread).toBe(0);
  });
});
