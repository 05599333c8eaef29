/**
 * List pages answered from memory (list-page-cache.ts, db/data-version.ts) never answer what the asker knows to be
 * old: after a change made through this server (a transition, a patient renamed, a care-team member removed) the
 * very next list shows it; a change made past this server (another server, SQL by hand) shows as soon as its commit
 * is announced, and never goes back; a change through this server shows at once even while announcements are late
 * (the listening backend stopped); while the announcements cannot be heard (the listening connection killed)
 * every page is read from the database, and keeping resumes once the listener is back. Unchanged data is answered
 * from memory, and every answer is audited, from memory or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { ConsultationPage } from '@consult/shared';
import { DIALECTS, makeTestApp, writePast, type Session, type TestApp } from '../testing/harness';
import { waitFor } from '../testing/load';
import { DataVersion } from '../db/data-version';
import { listenerName } from '../db/listen';
import { flushReadAudits } from './read-audit';
import { countAudited } from './bulk.test-helper';
import { createRequest, move } from './testkit';
import { tinyStudy } from '../imaging/benchdata';
import { stowAs } from '../imaging/testkit';
import { listPageCacheStats } from './list-page-cache';

describe.each(DIALECTS)('list pages answered from memory (%s)', (dialect) => {
  let t: TestApp;
  const s: Record<string, Session> = {};
  let schema = 'public';
  let filed = { id: '', patientId: '' };

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    for (const u of ['lankao.doctor', 'pku.cardio', 'pku.nephro']) s[u] = await t.login(u);
    const r = await createRequest(t, s['lankao.doctor']!);
    filed = { id: r.id, patientId: r.patient.id };
    await createRequest(t, s['lankao.doctor']!, { urgency: 'emergency' });
    schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s;
    await waitFor(
      () => DataVersion.of(t.db, 'list')?.current() != null,
      10_000,
      'the list version to be known',
    );
  }, 120_000);
  afterAll(() => t.close(), 60_000);

  const list = async (user: string, query = 'view=all') => {
    const res = await t.as(s[user]!, { url: `/api/consultations?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ConsultationPage>();
  };
  const item = (page: ConsultationPage, id = filed.id) => page.items.find((i) => i.id === id);
  /** Run `fn`, returning how many list pages it answered from memory and how many it read. */
  async function counting<T>(fn: () => Promise<T>): Promise<{ value: T; hits: number; reads: number }> {
    const before = listPageCacheStats();
    const value = await fn();
    const after = listPageCacheStats();
    return { value, hits: after.hits - before.hits, reads: after.reads - before.reads };
  }
  /** The version the database is at, read past the server. */
  const dbVersion = async () =>
    (await sql<{ v: string }>`select v::text as v from list_version`.execute(t.db)).rows[0]!.v;

  it('unchanged data is answered from memory, the same page, and every answer is audited', async () => {
    await flushReadAudits(t.db);
    const audited = await countAudited(t.db, 'consultation.list');
    const first = await list('pku.cardio');
    const again = await counting(() => list('pku.cardio'));
    expect(again.hits).toBe(1);
    expect(again.value).toEqual(first);
    // Another user's page, and another filter, are their own pages.
    const other = await counting(() => list('lankao.doctor'));
    const filtered = await counting(() => list('pku.cardio', 'view=all&urgency=emergency'));
    expect(other.reads + filtered.reads).toBeGreaterThanOrEqual(1);
    expect(filtered.value.items.every((i) => i.urgency === 'emergency')).toBe(true);
    await flushReadAudits(t.db);
    expect(await countAudited(t.db, 'consultation.list')).toBe(audited + 4);
  });

  it("uploads of studies (STOW-RS) change nothing the list reads: a specialist's page stays in memory while they come in", async () => {
    const first = await list('pku.cardio');
    expect((await counting(() => list('pku.cardio'))).hits).toBe(1);
    const uploads = [8801, 8802, 8803].map((k) => stowAs(t, s['lankao.doctor']!, [tinyStudy(k)]));
    // The page asked while the uploads are in flight, and after them, is answered from memory.
    const during = await counting(() => list('pku.cardio'));
    for (const res of await Promise.all(uploads)) expect(res.statusCode, res.body).toBe(200);
    const after = await counting(() => list('pku.cardio'));
    expect(during.hits + after.hits).toBe(2);
    expect(after.value).toEqual(first);
  });

  it('a change made through this server shows in the very next list, whoever made it', async () => {
    await list('lankao.doctor');
    await list('pku.cardio');
    // The specialist triages: the county doctor's next page shows the new state, with no wait.
    const cardio = s['pku.cardio']!;
    expect((await move(t, cardio, filed.id, { to: 'triaged', assigneeId: cardio.userId })).statusCode).toBe(
      200,
    );
    expect(item(await list('lankao.doctor'))?.state).toBe('triaged');
    // The county doctor renames the patient: the specialist's next page shows the new name.
    const renamed = await t.as(s['lankao.doctor']!, {
      method: 'PATCH',
      url: `/api/patients/${filed.patientId}`,
      payload: { name: '王秀英 Wang Xiuying' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(item(await list('pku.cardio'))?.patient.name).toBe('王秀英 Wang Xiuying');
    // A care-team member removed no longer finds the case on the next page.
    const team = `/api/consultations/${filed.id}/team`;
    const nephro = s['pku.nephro']!;
    const added = await t.as(cardio, {
      method: 'POST',
      url: team,
      payload: { userId: nephro.userId, purpose: 'second_opinion' },
    });
    expect(added.statusCode, added.body).toBeLessThan(300);
    await move(t, cardio, filed.id, { to: 'accepted' });
    expect(item(await list('pku.nephro'))).toBeDefined();
    expect(item(await list('pku.nephro'))).toBeDefined();
    const removed = await t.as(cardio, { method: 'DELETE', url: `${team}/${nephro.userId}` });
    expect(removed.statusCode, removed.body).toBeLessThan(300);
    expect(item(await list('pku.nephro'))).toBeUndefined();
  });

  it('a change made past this server shows once announced, and no later answer goes back', async () => {
    const before = await list('pku.cardio');
    expect(item(before)?.urgency).not.toBe('emergency');
    // Another writer: on PostgreSQL a connection of its own (as another server would be), on the embedded
    // database the only connection there is.
    // First an announcement of another schema sharing the database (announced before ours, so heard before it).
    await sql`select pg_notify('consult_list', 'another_schema 999999999')`.execute(t.db);
    const write = `update consultations set urgency = 'emergency' where id = '${filed.id}'`;
    await writePast(t.db, dialect === 'postgres' ? schema : null, write);
    const target = await dbVersion();
    await waitFor(
      () => DataVersion.of(t.db, 'list')?.current() === target,
      10_000,
      'the change to be announced',
    );
    expect(target).not.toBe('999999999');
    for (let i = 0; i < 3; i++) expect(item(await list('pku.cardio'))?.urgency).toBe('emergency');
  });

  /** The PostgreSQL backend of this server's listening connection (named after its schema, db/connect.ts). */
  const listenerPid = async () => {
    const name = listenerName(schema);
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
      where application_name = ${name}`.execute(t.db);
    expect(rows).toHaveLength(1);
    return rows[0]!.pid;
  };

  // The embedded database announces a commit in the answer to the statement that made it: never late, never lost.
  if (dialect === 'postgres')
    it('while announcements are late, a change made through this server still shows in the very next list', async () => {
      await list('pku.cardio');
      expect((await counting(() => list('pku.cardio'))).hits).toBe(1);
      // The listening backend stopped (SIGSTOP): PostgreSQL holds every announcement until it runs again.
      const pid = await listenerPid();
      const heard = DataVersion.of(t.db, 'list')?.current();
      process.kill(pid, 'SIGSTOP');
      try {
        const renamed = await t.as(s['lankao.doctor']!, {
          method: 'PATCH',
          url: `/api/patients/${filed.patientId}`,
          payload: { name: '李桂兰 Li Guilan' },
        });
        expect(renamed.statusCode, renamed.body).toBe(200);
        expect(DataVersion.of(t.db, 'list')?.current()).toBe(heard); // not announced yet
        const next = await counting(() => list('pku.cardio'));
        expect(next.hits).toBe(0);
        expect(item(next.value)?.patient.name).toBe('李桂兰 Li Guilan');
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const target = await dbVersion();
      await waitFor(
        () => DataVersion.of(t.db, 'list')?.current() === target,
        10_000,
        'the late announcement',
      );
    });

  // The embedded database has no connection to lose: one process, one connection.
  if (dialect === 'postgres')
    it('while the announcements cannot be heard every page is read; a change made meanwhile shows; then keeping resumes', async () => {
      await list('pku.cardio');
      expect((await counting(() => list('pku.cardio'))).hits).toBe(1);
      const killed = await sql<{
        ok: boolean;
      }>`select pg_terminate_backend(${await listenerPid()}) as ok`.execute(t.db);
      expect(killed.rows.map((r) => r.ok)).toEqual([true]);
      await waitFor(() => DataVersion.of(t.db, 'list')?.current() == null, 10_000, 'the listener to notice');
      // Changed past the server while nothing is heard: the next pages are read, and show it.
      await t.db
        .updateTable('consultations')
        .set({ urgency: 'routine' })
        .where('id', '=', filed.id)
        .execute();
      const during = await counting(async () => [await list('pku.cardio'), await list('pku.cardio')]);
      if (DataVersion.of(t.db, 'list')?.current() == null) expect(during.hits).toBe(0);
      for (const page of during.value) expect(item(page)?.urgency).toBe('routine');
      await waitFor(
        () => DataVersion.of(t.db, 'list')?.current() != null,
        15_000,
        'the listener to come back',
      );
      await list('pku.cardio');
      const resumed = await counting(() => list('pku.cardio'));
      expect(resumed.hits).toBe(1);
      expect(item(resumed.value)?.urgency).toBe('routine');
    });
});
