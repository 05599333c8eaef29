/**
 * Two specialists accepting the same request at the same moment, against the real PostgreSQL (a connection
 * pool, so the requests truly run in parallel): exactly one wins (200), the other gets 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest, move } from './testkit';

describe('concurrent accept (postgres)', () => {
  let t: TestApp;
  let lankao: Session, cardio: Session, nephro: Session;
  beforeAll(async () => {
    t = await makeTestApp('postgres');
    lankao = await t.login('lankao.doctor');
    cardio = await t.login('pku.cardio');
    nephro = await t.login('pku.nephro');
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  it('lets exactly one of two simultaneous accepts win, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const c = await createRequest(t, lankao, { urgency: 'emergency' });
      expect((await move(t, cardio, c.id, { to: 'triaged', assigneeId: cardio.userId })).statusCode).toBe(
        200,
      );
      const [a, b] = await Promise.all([
        move(t, cardio, c.id, { to: 'accepted' }),
        move(t, nephro, c.id, { to: 'accepted' }),
      ]);
      const statuses = [a.statusCode, b.statusCode].sort();
      expect(statuses).toEqual([200, 409]);
      const loser = a.statusCode === 409 ? a : b;
      expect(loser.json().code).toBe('invalid_transition');
      expect(loser.json().message).toMatch(/accepted/);
      const winner = a.statusCode === 200 ? cardio : nephro;
      const rows = await t.db
        .selectFrom('consultation_transitions')
        .select(['to_state', 'actor_id'])
        .where('consultation_id', '=', c.id)
        .where('to_state', '=', 'accepted')
        .execute();
      expect(rows).toEqual([{ to_state: 'accepted', actor_id: winner.userId }]);
      const row = await t.db
        .selectFrom('consultations')
        .select(['state', 'assigned_to'])
        .where('id', '=', c.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ state: 'accepted', assigned_to: winner.userId });
    }
  });
});
