/**
 * Sockets follow sessions, on every node: two server nodes sharing PostgreSQL and Redis; a user's sockets on
 * the OTHER node end within a second of logout, disabling, a role/hospital transfer, a password change (other
 * sessions only), a reset, an expired session, and a role changed behind the API's back (SQL). Waits are bounded
 * and measured; nothing sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Running } from '../server';
import { cluster } from '../testing/cluster';
import { http, httpLogin, syncSocket, type HttpUser, type SyncClient } from '../sync/testing';

/** Resolves with the ms it took the socket to be disconnected by the server (rejects after `ms`). */
function closedWithin(s: SyncClient, ms: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    if (!s.connected) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    s.once('disconnect', (reason) => {
      clearTimeout(timer);
      if (reason !== 'io server disconnect') reject(new Error(`closed for another reason: ${reason}`));
      else resolve(Date.now() - t0);
    });
  });
}

/** A round trip that only a live, authorised socket answers. */
const stillServed = (s: SyncClient) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2000);
    s.emit('notification:sync', null, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

describe('sockets follow sessions across nodes', () => {
  const nodes = cluster();
  let a: Running;
  let b: Running;
  const sockets: SyncClient[] = [];
  const socketOn = async (n: Running, u: HttpUser) => {
    const s = await syncSocket(n.url, u);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    a = await nodes.node();
    b = await nodes.node();
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await nodes.close();
  });

  it('logout ends that session’s sockets on the other node, and only that session’s', async () => {
    const one = await httpLogin(a.url, 'lankao.doctor');
    const two = await httpLogin(a.url, 'lankao.doctor');
    const s1 = await socketOn(b, one);
    const s2 = await socketOn(b, two);
    const closed = closedWithin(s1, 1000);
    expect((await http(a.url, one, 'POST', '/api/auth/logout', {})).status).toBe(200);
    expect(await closed).toBeLessThan(1000);
    expect(await stillServed(s2)).toBe(true);
  });

  it('disabling, a transfer and a password reset by an administrator end the user’s sockets everywhere', async () => {
    const admin = await httpLogin(a.url, 'sysadmin');
    for (const [username, change] of [
      ['yonghe.doctor', { disabled: true }],
      ['pku.nephro', { role: 'radiologist' }],
    ] as const) {
      const u = await httpLogin(a.url, username);
      const s = await socketOn(b, u);
      const closed = closedWithin(s, 1000);
      const res = await http(a.url, admin, 'PATCH', `/api/users/${u.id}`, change);
      expect(res.status, res.text).toBe(200);
      expect(await closed).toBeLessThan(1000);
      // The old session cannot open a new socket either.
      await expect(syncSocket(b.url, u)).rejects.toThrow();
    }
    const u = await httpLogin(a.url, 'anzhen.radiology');
    const s = await socketOn(b, u);
    const closed = closedWithin(s, 1000);
    const reset = await http(a.url, admin, 'POST', `/api/users/${u.id}/password`, {
      password: 'Another-2026-pass',
    });
    expect(reset.status, reset.text).toBe(200);
    expect(await closed).toBeLessThan(1000);
  });

  it('a password change keeps the changing session and ends the others', async () => {
    const here = await httpLogin(a.url, 'wanquan.doctor');
    const there = await httpLogin(a.url, 'wanquan.doctor');
    const mine = await socketOn(b, here);
    const other = await socketOn(b, there);
    const closed = closedWithin(other, 1000);
    const res = await http(a.url, here, 'PUT', '/api/auth/me/password', {
      currentPassword: 'Demo-2026-consult',
      newPassword: 'Wanquan-2026-new-pass',
    });
    expect(res.status, res.text).toBe(200);
    expect(await closed).toBeLessThan(1000);
    expect(await stillServed(mine)).toBe(true);
  });

  it('an expired session and a role changed in the database end the sockets within about a second (the sweep)', async () => {
    const exp = await httpLogin(a.url, 'pku.cardio');
    const moved = await httpLogin(a.url, 'anzhen.cardio');
    const s1 = await socketOn(b, exp);
    const s2 = await socketOn(b, moved);
    const c1 = closedWithin(s1, 2500);
    const c2 = closedWithin(s2, 2500);
    await sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${exp.id}::uuid`.execute(
      a.app.db,
    );
    await sql`update users set role = 'radiologist' where id = ${moved.id}::uuid`.execute(a.app.db);
    // One sweep period (1 s) plus the time of one sweep query.
    expect(await c1).toBeLessThan(2500);
    expect(await c2).toBeLessThan(2500);
  });
});
