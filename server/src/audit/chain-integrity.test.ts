/**
 * The audit chain survives any input and reports every fault: text that cannot be stored as given (lone
 * surrogates, NUL) is hashed exactly as stored on both dialects; a poisoned login is refused before it reaches the
 * chain; every tampered row is named, not only the first; deleting the chain's tail is caught by the signed head
 * checkpoint, also after later appends; a forged checkpoint or rows appended behind the server's back are named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, hospitalId, makeTestApp, type TestApp } from '../testing/harness';
import { recordAudit, verifyAuditChain } from './service';

const seqs = (r: Awaited<ReturnType<typeof verifyAuditChain>>) => r.problems.map((p) => p.seq);

describe.each(DIALECTS)('audit chain integrity on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
  });
  afterAll(() => t.close());

  /** What an attacker with DDL rights does: switch the append-only trigger off around a change. */
  const tamper = async (change: () => Promise<unknown>) => {
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(t.db);
    try {
      await change();
    } finally {
      await sql`alter table audit_events enable trigger audit_events_no_change`.execute(t.db);
    }
  };
  const lastSeq = async () =>
    (
      await t.db
        .selectFrom('audit_events')
        .select('seq')
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow()
    ).seq;

  it('hashes exactly what is stored, whatever the text: lone surrogates and NUL become U+FFFD, pairs stay', async () => {
    await recordAudit(t.db, {
      actor: null,
      action: 'test.text',
      entityType: 'test',
      entityId: '\ud800',
      ip: 'a\u0000b',
      detail: { s: '\udfff\u0000', emoji: '😀' },
    });
    const row = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'test.text')
      .executeTakeFirstOrThrow();
    expect(row.entity_id).toBe('\ufffd');
    expect(row.ip).toBe('a\ufffdb');
    expect(JSON.parse(row.detail!)).toEqual({ s: '\udfff\u0000', emoji: '😀' });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses a poisoned login with 400 naming the field; a later edit and two tampered rows are all reported', async () => {
    for (const username of ['\ud800', 'ab\u0000c']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username, password: 'whatever-1' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation', field: '/body/username' });
    }
    const admin = await t.login('program');
    const edit = await t.as(admin, {
      method: 'PATCH',
      url: `/api/hospitals/${await hospitalId(t.db, 'Lankao')}`,
      payload: { region: '河南省开封市兰考县' },
    });
    expect(edit.statusCode).toBe(200);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    const editSeq = (
      await t.db
        .selectFrom('audit_events')
        .select('seq')
        .where('action', '=', 'hospital.update')
        .executeTakeFirstOrThrow()
    ).seq;
    await recordAudit(t.db, { actor: null, action: 'test.later', entityType: 'test' });
    const later = await lastSeq();
    await tamper(async () => {
      await sql`update audit_events set outcome = 'failure' where seq = ${editSeq}`.execute(t.db);
      await sql`update audit_events set entity_id = 'someone-else' where seq = ${later}`.execute(t.db);
    });
    const res = await verifyAuditChain(t.db);
    expect(res.ok).toBe(false);
    expect(seqs(res)).toEqual([editSeq, later]);
    expect(res.problems.every((p) => /contents do not match its hash/.test(p.reason))).toBe(true);
    const sys = await t.login('sysadmin');
    const api = (await t.as(sys, { url: '/api/audit/verify' })).json();
    expect(api.problems.map((p: { seq: number }) => p.seq)).toEqual([editSeq, later]);
    expect(api).toMatchObject({ ok: false, firstBadSeq: editSeq });
    // Put the rows back as they were for the next cases.
    await tamper(async () => {
      await sql`update audit_events set outcome = 'success' where seq = ${editSeq}`.execute(t.db);
      await sql`update audit_events set entity_id = null where seq = ${later}`.execute(t.db);
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('detects deleting the last rows, and still does after later appends', async () => {
    for (let i = 0; i < 5; i++)
      await recordAudit(t.db, { actor: null, action: 'test.tail', entityType: 'test' });
    const head = await lastSeq();
    await tamper(() => sql`delete from audit_events where seq > ${head - 3}`.execute(t.db));
    const res = await verifyAuditChain(t.db);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([
      {
        seq: head,
        reason: `the chain ends at seq ${head - 3} but its signed head is seq ${head}: rows at its tail were deleted`,
      },
    ]);
    // The server appends again: the new row links to the signed head, so the gap stays visible.
    await recordAudit(t.db, { actor: null, action: 'test.after-truncation', entityType: 'test' });
    const after = await verifyAuditChain(t.db);
    expect(after.ok).toBe(false);
    expect(after.problems).toHaveLength(1);
    expect(after.problems[0]!.seq).toBe(await lastSeq());
    expect(after.problems[0]!.reason).toMatch(/link does not match the row before it/);
  });

  it('names a forged checkpoint and rows appended past the signed head', async () => {
    const before = (await verifyAuditChain(t.db)).problems.length;
    const cp = await t.db.selectFrom('audit_checkpoint').selectAll().executeTakeFirstOrThrow();
    await t.db
      .updateTable('audit_checkpoint')
      .set({ signature: '00'.repeat(32) })
      .execute();
    const forged = await verifyAuditChain(t.db);
    expect(forged.problems.slice(before)).toEqual([
      { seq: null, reason: 'the head checkpoint signature is invalid (forged, or signed with another key)' },
    ]);
    await t.db.updateTable('audit_checkpoint').set({ signature: cp.signature }).execute();
    // A row inserted directly with a correct hash but without the key: past the signed head.
    await sql`insert into audit_events (action, entity_type, outcome, at, prev_hash, hash)
      values ('test.forged', 'test', 'success', now(), ${cp.hash}, 'x')`.execute(t.db);
    const appended = await verifyAuditChain(t.db);
    expect(appended.problems.map((p) => p.reason).join('\n')).toMatch(/were not appended by the server/);
  });
});
