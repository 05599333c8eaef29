/** Reads are audited one entry each, even when many run at once (group commit), and the chain still verifies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { verifyAuditChain } from '../audit/service';
import { flushReadAudits } from './read-audit';
import { createRequest } from './testkit';

describe.each(DIALECTS)('read audit under concurrency (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    lankao = await t.login('lankao.doctor');
    await createRequest(t, lankao);
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  it('records every one of 40 simultaneous list and detail reads and keeps the hash chain intact', async () => {
    const count = async (action: string) =>
      Number(
        (
          await t.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('action', '=', action)
            .executeTakeFirstOrThrow()
        ).n,
      );
    await flushReadAudits(t.db);
    const [lists, reads] = [await count('consultation.list'), await count('patient.read')];
    const page = (await t.as(lankao, { url: '/api/consultations' })).json();
    const patientId = page.items[0].patient.id;
    const res = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.as(lankao, { url: i % 2 ? '/api/consultations' : `/api/patients/${patientId}` }),
      ),
    );
    expect(res.every((r) => r.statusCode === 200)).toBe(true);
    await flushReadAudits(t.db);
    expect(await count('consultation.list')).toBe(lists + 1 + 20);
    expect(await count('patient.read')).toBe(reads + 20);
    const v = await verifyAuditChain(t.db);
    expect(v).toMatchObject({ ok: true, firstBadSeq: null });
  });
});
