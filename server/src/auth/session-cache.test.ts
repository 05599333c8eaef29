/**
 * Sessions resolved from memory (session-cache.ts, db/data-version.ts) never let an ended or changed session act as
 * it was: every way a session ends or changes, made through this server, shows on the very next request; made past
 * this server (another server, SQL by hand), it shows as soon as its commit is announced; made through this server
 * while announcements are late (the listening backend stopped), it still shows at once; while announcements cannot
 * be heard (the listening connection killed) every request reads its session, and keeping resumes after. Sliding
 * expiry, written once a minute per session, keeps sessions in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, makeTestApp, writePast, type Session, type TestApp } from '../testing/harness';
import { waitFor } from '../testing/load';
import { DataVersion } from '../db/data-version';
import { listenerName } from '../db/listen';
import { sessionCacheStats } from './session-cache';
import { sha256 } from './service';
import { tinyStudy } from '../imaging/benchdata';
import { stowBody } from '../imaging/testkit';

const NEW_PASSWORD = 'Kx7-lanterns-river-2026';

describe.each(DIALECTS)('sessions resolved from memory (%s)', (dialect) => {
  let t: TestApp;
  let admin: Session;
  let schema = 'public';

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    admin = await t.login('sysadmin');
    schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s;
    await waitFor(() => DataVersion.of(t.db, 'auth')?.current() != null, 10_000, 'the sign-in version');
  }, 120_000);
  afterAll(() => t.close(), 60_000);

  /** Run `fn`, returning how many sessions it resolved from memory and how many it read. */
  async function counting<T>(fn: () => Promise<T>): Promise<{ value: T; hits: number; reads: number }> {
    const before = sessionCacheStats();
    const value = await fn();
    const after = sessionCacheStats();
    return { value, hits: after.hits - before.hits, reads: after.reads - before.reads };
  }
  const me = (s: Session) => t.as(s, { url: '/api/auth/me' });
  /** Signed in, and already answered from memory (so what follows tests the kept copy). */
  async function kept(username: string): Promise<Session> {
    const s = await t.login(username);
    expect((await me(s)).statusCode).toBe(200);
    const again = await counting(() => me(s));
    expect(again.value.statusCode).toBe(200);
    expect(again.hits).toBe(1);
    return s;
  }
  const dbVersion = async () =>
    (await sql<{ v: string }>`select v::text as v from auth_version`.execute(t.db)).rows[0]!.v;
  /** Write as another server would: on PostgreSQL over a connection of its own. */
  async function past(statement: string) {
    await writePast(t.db, dialect === 'postgres' ? schema : null, statement);
    const target = await dbVersion();
    await waitFor(() => DataVersion.of(t.db, 'auth')?.current() === target, 10_000, 'the announcement');
  }
  const enable = (s: Session) =>
    t.as(admin, { method: 'PATCH', url: `/api/users/${s.userId}`, payload: { disabled: false } });
  /** A demo user's role back as seeded (a case below changed it; each user's password is changed at most once). */
  const restore = async (s: Session, role: 'county_doctor' | 'radiologist') =>
    void (await t.db.updateTable('users').set({ role }).where('id', '=', s.userId).execute());

  it('a standing session is answered from memory, with the same answer', async () => {
    const s = await t.login('pku.cardio');
    const first = await me(s);
    const again = await counting(() => me(s));
    expect(again.hits).toBe(1);
    expect(again.value.json()).toEqual(first.json());
  });

  // Every way a session ends or changes through this server: the very next request of the kept session shows it.
  const THROUGH: {
    name: string;
    user: string;
    act: (s: Session) => Promise<unknown>;
    after: (s: Session) => Promise<void>;
  }[] = [
    {
      name: 'signing out',
      user: 'linquan.doctor',
      act: (s) => t.as(s, { method: 'POST', url: '/api/auth/logout' }),
      after: async () => undefined,
    },
    {
      name: 'the password changed in another session',
      user: 'yonghe.doctor',
      act: async (s) => {
        const other = await t.login(s.username);
        const res = await t.as(other, {
          method: 'PUT',
          url: '/api/auth/me/password',
          payload: { currentPassword: 'Demo-2026-consult', newPassword: NEW_PASSWORD },
        });
        expect(res.statusCode, res.body).toBe(200);
      },
      after: async () => undefined,
    },
    {
      name: 'an administrator disabling the user',
      user: 'wanquan.doctor',
      act: (s) =>
        t.as(admin, { method: 'PATCH', url: `/api/users/${s.userId}`, payload: { disabled: true } }),
      after: async (s) => void (await enable(s)),
    },
    {
      name: 'an administrator moving the user to another role',
      user: 'anzhen.radiology',
      act: (s) =>
        t.as(admin, { method: 'PATCH', url: `/api/users/${s.userId}`, payload: { role: 'specialist' } }),
      after: (s) => restore(s, 'radiologist'),
    },
    {
      name: "an administrator resetting the user's password",
      user: 'pku.nephro',
      act: (s) =>
        t.as(admin, {
          method: 'POST',
          url: `/api/users/${s.userId}/password`,
          payload: { password: NEW_PASSWORD },
        }),
      after: async () => undefined,
    },
  ];
  it.each(THROUGH)('$name, through this server: the very next request is refused', async (c) => {
    const s = await kept(c.user);
    await c.act(s);
    expect((await me(s)).statusCode).toBe(401);
    expect((await t.as(s, { url: '/api/consultations' })).statusCode).toBe(401);
    await c.after(s);
  });

  // Every way a session ends or changes past this server: shown once announced.
  const PAST: {
    name: string;
    user: string;
    write: (s: Session) => string;
    check: (s: Session) => Promise<void>;
    after: (s: Session) => Promise<void>;
  }[] = [
    {
      name: 'the session deleted',
      user: 'linquan.doctor',
      write: (s) => `delete from sessions where id = '${sha256(s.cookie)}'`,
      check: async (s) => expect((await me(s)).statusCode).toBe(401),
      after: async () => undefined,
    },
    {
      name: "the session's expiry brought forward",
      user: 'linquan.doctor',
      write: (s) =>
        `update sessions set expires_at = now() - interval '1 second' where id = '${sha256(s.cookie)}'`,
      check: async (s) => expect((await me(s)).statusCode).toBe(401),
      after: async () => undefined,
    },
    {
      name: 'the user disabled',
      user: 'wanquan.doctor',
      write: (s) => `update users set disabled = true where id = '${s.userId}'`,
      check: async (s) => expect((await me(s)).statusCode).toBe(401),
      after: async (s) => void (await enable(s)),
    },
    {
      name: 'the user given another role',
      user: 'lankao.doctor',
      write: (s) => `update users set role = 'sys_admin' where id = '${s.userId}'`,
      // A permission the county doctor lacks: now granted, from the new role.
      check: async (s) => expect((await t.as(s, { url: '/api/users' })).statusCode).toBe(200),
      after: (s) => restore(s, 'county_doctor'),
    },
    {
      name: 'the session required to enrol a second factor',
      user: 'pku.radiology',
      write: (s) => `update sessions set mfa_enrolment_pending = true where id = '${sha256(s.cookie)}'`,
      check: async (s) => {
        const res = await t.as(s, { url: '/api/consultations' });
        expect(res.statusCode).toBe(403);
        expect(res.json().code).toBe('mfa_enrolment_required');
      },
      after: async () => undefined,
    },
  ];
  it.each(PAST)('$name, past this server: refused once announced', async (c) => {
    const s = await kept(c.user);
    if (c.user === 'lankao.doctor') expect((await t.as(s, { url: '/api/users' })).statusCode).toBe(403);
    await past(c.write(s));
    await c.check(s);
    await c.check(s);
    await c.after(s);
  });

  it('sliding expiry and last use, written by any server, keep the session in memory', async () => {
    const s = await kept('pku.cardio');
    const before = await dbVersion();
    await t.db
      .updateTable('sessions')
      .set({ expires_at: sql`expires_at + interval '1 hour'`, last_seen_at: new Date() })
      .where('id', '=', sha256(s.cookie))
      .execute();
    expect(await dbVersion()).toBe(before);
    const next = await counting(() => me(s));
    expect(next.value.statusCode).toBe(200);
    expect(next.hits).toBe(1);
  });

  it('uploads (STOW-RS, at both addresses), which change nothing a session or the list reads, keep every session in memory, concurrent ones included', async () => {
    const [s, other] = [await t.login('lankao.doctor'), await t.login('pku.cardio')];
    for (const who of [s, other]) expect((await me(who)).statusCode).toBe(200);
    const before = await dbVersion();
    const listVersion = async () =>
      (await sql<{ v: string }>`select v::text as v from list_version`.execute(t.db)).rows[0]!.v;
    const listBefore = await listVersion();
    const uploads = await counting(() =>
      Promise.all(
        [7701, 7702, 7703, 7704, 7705, 7706].map((k) => {
          const { body, contentType } = stowBody([tinyStudy(k)]);
          // Half to /studies, half to /studies/{the instance's own study}.
          const url = k % 2 ? '/dicomweb/studies' : `/dicomweb/studies/1.2.826.0.1.3680043.99.9.${k}`;
          return t.as(s, { method: 'POST', url, headers: { 'content-type': contentType }, payload: body });
        }),
      ),
    );
    for (const res of uploads.value) expect(res.statusCode, res.body).toBe(200);
    expect(uploads.reads).toBe(0);
    expect(uploads.hits).toBe(6);
    // The uploads left the sign-in and list versions where they were, and both sessions are still answered from
    // memory.
    expect(await dbVersion()).toBe(before);
    expect(await listVersion()).toBe(listBefore);
    for (const who of [s, other]) {
      const next = await counting(() => me(who));
      expect(next.value.statusCode).toBe(200);
      expect(next.hits).toBe(1);
    }
  });

  /** The PostgreSQL backend of this server's connection listening for the sign-in version (db/listen.ts). */
  const listenerPid = async () => {
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
      where application_name = ${listenerName(schema)}`.execute(t.db);
    expect(rows).toHaveLength(1);
    return rows[0]!.pid;
  };

  // The embedded database announces a commit in the answer to the statement that made it: never late, never lost.
  if (dialect === 'postgres')
    it('while announcements are late, a sign-out or a disabling through this server still shows at once', async () => {
      const out = await kept('linquan.doctor');
      const disabled = await kept('wanquan.doctor');
      const pid = await listenerPid();
      const heard = DataVersion.of(t.db, 'auth')?.current();
      process.kill(pid, 'SIGSTOP');
      try {
        expect((await t.as(out, { method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(200);
        const res = await t.as(admin, {
          method: 'PATCH',
          url: `/api/users/${disabled.userId}`,
          payload: { disabled: true },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(DataVersion.of(t.db, 'auth')?.current()).toBe(heard); // not announced yet
        expect((await me(out)).statusCode).toBe(401);
        expect((await me(disabled)).statusCode).toBe(401);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await enable(disabled);
    });

  // The embedded database has no connection to lose.
  if (dialect === 'postgres')
    it('while announcements cannot be heard every request reads its session; a session ended meanwhile is refused; then keeping resumes', async () => {
      const s = await kept('pku.cardio');
      const ended = await kept('linquan.doctor');
      const killed = await sql<{
        ok: boolean;
      }>`select pg_terminate_backend(${await listenerPid()}) as ok`.execute(t.db);
      expect(killed.rows.map((r) => r.ok)).toEqual([true]);
      await waitFor(() => DataVersion.of(t.db, 'auth')?.current() == null, 10_000, 'the listener to notice');
      await t.db.deleteFrom('sessions').where('id', '=', sha256(ended.cookie)).execute();
      const during = await counting(async () => [await me(s), await me(ended)]);
      if (DataVersion.of(t.db, 'auth')?.current() == null) expect(during.hits).toBe(0);
      expect(during.value.map((r) => r.statusCode)).toEqual([200, 401]);
      await waitFor(
        () => DataVersion.of(t.db, 'auth')?.current() != null,
        15_000,
        'the listener to come back',
      );
      await me(s);
      const resumed = await counting(() => me(s));
      expect(resumed.hits).toBe(1);
      expect((await me(ended)).statusCode).toBe(401);
    });
});
