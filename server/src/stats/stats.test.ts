/** Program statistics over a small known history: counts, medians/p90 from SQL, SLA breaches, poverty patients. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest, move } from '../consultations/testkit';

describe.each(DIALECTS)('program statistics (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session, cardio: Session, program: Session;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    lankao = await t.login('lankao.doctor');
    cardio = await t.login('pku.cardio');
    program = await t.login('program');
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  it('aggregates per pairing and per county hospital', async () => {
    // Three requests accepted after 1 h, 2 h and 10 h; one still waiting past its SLA; one declined.
    const hours = [1, 2, 10];
    for (const h of hours) {
      const c = await createRequest(t, lankao, { urgency: 'urgent' });
      await move(t, cardio, c.id, { to: 'triaged', assigneeId: cardio.userId });
      await move(t, cardio, c.id, { to: 'accepted' });
      const submitted = new Date(Date.parse(c.submittedAt!) - h * 3600_000);
      await t.db
        .updateTable('consultations')
        .set({ submitted_at: submitted, sla_due_at: new Date(submitted.getTime() + 24 * 3600_000) })
        .where('id', '=', c.id)
        .execute();
    }
    const late = await createRequest(
      t,
      lankao,
      { urgency: 'emergency', type: 'remote_image_diagnosis' },
      'Peking University First',
    );
    await t.db
      .updateTable('consultations')
      .set({ sla_due_at: new Date(Date.now() - 60_000) })
      .where('id', '=', late.id)
      .execute();
    const dec = await createRequest(t, lankao, { urgency: 'routine' });
    await move(t, cardio, dec.id, { to: 'declined', reason: '非本科室范围' });

    const res = await t.as(program, { url: '/api/stats/consultations' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const pair = body.pairings.find((p: { countyNameEn: string }) => p.countyNameEn.startsWith('Lankao'));
    expect(pair.tertiaryNameEn).toBe('Peking University First Hospital');
    expect(pair.total).toBe(5);
    expect(pair.byUrgency).toEqual({ urgent: 3, emergency: 1, routine: 1 });
    expect(pair.byType).toEqual({ remote_consultation: 4, remote_image_diagnosis: 1 });
    expect(pair.byState).toEqual({ accepted: 3, submitted: 1, declined: 1 });
    expect(pair.medianHoursToAccept).toBeCloseTo(2, 1);
    expect(pair.p90HoursToAccept).toBeCloseTo(8.4, 1); // linear interpolation between 2 and 10
    expect(pair.medianHoursToReport).toBeNull();
    expect(pair.slaBreaches).toBe(1);
    expect(pair.povertyPatientsServed).toBe(5);
    const county = body.counties.find((x: { nameEn: string }) => x.nameEn.startsWith('Lankao'));
    expect(county.total).toBe(5);

    // a date range before any of it → nothing
    const none = (
      await t.as(program, { url: '/api/stats/consultations?from=2020-01-01&to=2020-12-31' })
    ).json();
    expect(none.pairings).toEqual([]);
    const bad = await t.as(program, { url: '/api/stats/consultations?from=2026-12-01&to=2026-01-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('/query/from');
  });
});
