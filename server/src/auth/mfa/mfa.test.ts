import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_COOKIE, ROLES, SESSION_COOKIE, type Role } from '@consult/shared';
import { DIALECTS, makeTestApp, type TestApp } from '../../testing/harness';
import { loadConfig } from '../../config';
import { base32Decode, hotp, stepAt } from './totp';

const PW = 'Demo-2026-consult';
/** The production default: a second factor for specialists, radiologists and administrators. */
const security = loadConfig({}).security;
/** Audit details are stored as JSON text. */
const detailOf = (a: { detail: unknown }): Record<string, string> =>
  typeof a.detail === 'string' ? JSON.parse(a.detail) : ((a.detail ?? {}) as Record<string, string>);
const codeAt = (secret: string, offsetSteps = 0) =>
  hotp(base32Decode(secret), stepAt(Date.now()) + offsetSteps);

describe.each(DIALECTS)('second factor, sessions and password rules on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(dialect, { loginRateLimit: 1000, loginMaxFailures: 50, security });
  });
  afterAll(() => t.close());

  const login = (
    username: string,
    extra: Record<string, unknown> = {},
    cookies: Record<string, string> = {},
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username, password: PW, ...extra },
      cookies,
      headers: { 'user-agent': 'vitest-browser/1.0' },
    });
  const session = (res: { cookies: { name: string; value: string }[] }) =>
    res.cookies.find((c) => c.name === SESSION_COOKIE)!.value;
  const call = (
    sid: string,
    csrf: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ) =>
    t.app.inject({
      method,
      url,
      payload: payload as object,
      cookies: { [SESSION_COOKIE]: sid },
      headers: { 'x-csrf-token': csrf },
    });

  it('the policy matrix: which roles must enrol before anything else', async () => {
    const byRole: Record<Role, string> = {
      county_doctor: 'lankao.doctor',
      specialist: 'anzhen.cardio',
      radiologist: 'anzhen.radiology',
      program_admin: 'program',
      sys_admin: 'sysadmin',
    };
    for (const role of ROLES) {
      const res = await login(byRole[role]);
      expect(res.statusCode, role).toBe(200);
      const me = res.json();
      const required = security.mfaRequiredRoles.includes(role);
      expect(me.mfa, role).toEqual({ enabled: false, required, enrolmentPending: required });
      const sid = session(res);
      const worklist = await call(sid, me.csrfToken, 'GET', '/api/worklist');
      if (required) {
        expect(worklist.statusCode, role).toBe(403);
        expect(worklist.json().code).toBe('mfa_enrolment_required');
        expect((await call(sid, me.csrfToken, 'GET', '/api/auth/me')).statusCode).toBe(200);
      } else {
        expect(worklist.statusCode, role).toBe(200);
      }
    }
  });

  it('enrols with a code from the app, then asks for the code at every sign-in; each code works once', async () => {
    const first = await login('pku.cardio');
    const me = first.json();
    const sid = session(first);
    const setup = await call(sid, me.csrfToken, 'POST', '/api/auth/totp/setup');
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUri, qrSvg } = setup.json();
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrSvg).toMatch(/^<svg/);
    const wrong = await call(sid, me.csrfToken, 'POST', '/api/auth/totp/confirm', {
      code: '000000' === codeAt(secret) ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().field).toBe('code');
    const confirmed = await call(sid, me.csrfToken, 'POST', '/api/auth/totp/confirm', {
      code: codeAt(secret),
    });
    expect(confirmed.statusCode).toBe(200);
    const { codes } = confirmed.json();
    expect(codes).toHaveLength(10);
    // The enrolling session is now a full session.
    expect((await call(sid, me.csrfToken, 'GET', '/api/worklist')).statusCode).toBe(200);

    const noCode = await login('pku.cardio');
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().code).toBe('mfa_required');
    expect(noCode.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    // The current code was spent by the confirmation: the next step's code is accepted once.
    const next = codeAt(secret, 1);
    const ok = await login('pku.cardio', { code: next });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().mfa).toEqual({ enabled: true, required: true, enrolmentPending: false });
    const replay = await login('pku.cardio', { code: next });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'unauthenticated', field: 'code' });

    // A recovery code works once, in any case.
    expect((await login('pku.cardio', { code: codes[0].toUpperCase().toLowerCase() })).statusCode).toBe(200);
    expect((await login('pku.cardio', { code: codes[0] })).statusCode).toBe(401);

    // A wrong password with a right code is still just "wrong username or password".
    const badPw = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'pku.cardio', password: 'not-the-password', code: codes[1] },
    });
    expect(badPw.statusCode).toBe(401);
    expect(badPw.json().message).toBe('wrong username or password');

    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'outcome', 'detail'])
      .where('actor_id', '=', me.id)
      .where('action', 'in', ['auth.login', 'auth.mfa_enrol'])
      .orderBy('seq')
      .execute();
    const vias = audit
      .filter((a) => a.outcome === 'success' && a.action === 'auth.login')
      .map((a) => detailOf(a).secondFactor);
    expect(vias).toEqual(['enrolment_pending', 'totp', 'recovery_code']);
    expect(audit.some((a) => a.action === 'auth.mfa_enrol')).toBe(true);

    // Phone and recovery codes lost: an administrator resets the second factor; the user enrols again.
    const admin = await login('sysadmin');
    const adminMe = admin.json();
    const adminSid = session(admin);
    // (sysadmin must enrol first under this policy; the reset route is refused until then)
    expect((await call(adminSid, adminMe.csrfToken, 'DELETE', `/api/users/${me.id}/mfa`)).json().code).toBe(
      'mfa_enrolment_required',
    );
    const { secret: adminSecret } = (
      await call(adminSid, adminMe.csrfToken, 'POST', '/api/auth/totp/setup')
    ).json();
    await call(adminSid, adminMe.csrfToken, 'POST', '/api/auth/totp/confirm', { code: codeAt(adminSecret) });
    expect((await call(adminSid, adminMe.csrfToken, 'DELETE', `/api/users/${me.id}/mfa`)).statusCode).toBe(
      200,
    );
    const again = await login('pku.cardio');
    expect(again.statusCode).toBe(200);
    expect(again.json().mfa).toEqual({ enabled: false, required: true, enrolmentPending: true });
    expect(audit.filter((a) => a.outcome === 'failure').map((a) => detailOf(a).reason)).toContain(
      'bad second factor',
    );
  });

  it('remembers a browser when asked, and forgets it after a password change', async () => {
    const first = await login('pku.nephro');
    const me = first.json();
    const sid = session(first);
    const { secret } = (await call(sid, me.csrfToken, 'POST', '/api/auth/totp/setup')).json();
    expect(
      (await call(sid, me.csrfToken, 'POST', '/api/auth/totp/confirm', { code: codeAt(secret) })).statusCode,
    ).toBe(200);
    const remembered = await login('pku.nephro', { code: codeAt(secret, 1), rememberDevice: true });
    expect(remembered.statusCode).toBe(200);
    const device = remembered.cookies.find((c) => c.name === DEVICE_COOKIE)!;
    expect(device.httpOnly).toBe(true);
    expect(device.sameSite).toBe('Strict');
    expect(device.path).toBe('/api/auth/login');
    expect((await login('pku.nephro', {}, { [DEVICE_COOKIE]: device.value })).statusCode).toBe(200);
    // Another user's remembered browser is not this user's.
    expect((await login('sysadmin', {}, { [DEVICE_COOKIE]: device.value })).json().code).toBe('mfa_required');

    const cur = remembered.json();
    const changed = await call(session(remembered), cur.csrfToken, 'PUT', '/api/auth/me/password', {
      currentPassword: PW,
      newPassword: 'Nephrology-rounds-2027',
    });
    expect(changed.statusCode).toBe(200);
    const after = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'pku.nephro', password: 'Nephrology-rounds-2027' },
      cookies: { [DEVICE_COOKIE]: device.value },
    });
    expect(after.json().code).toBe('mfa_required');
  });

  it('refuses weak, common, username-bearing and reused passwords, each naming the rule', async () => {
    const res = await login('linquan.doctor');
    const me = res.json();
    const sid = session(res);
    const change = (currentPassword: string, newPassword: string) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/auth/me/password',
        payload: { currentPassword, newPassword },
        cookies: { [SESSION_COOKIE]: sid },
        headers: { 'x-csrf-token': me.csrfToken },
      });
    const cases: [string, RegExp][] = [
      ['short-pw-1', /too short: at least 12/],
      ['password123456', /too common/],
      ['!!qwertyuiop!!', /too common/],
      ['aaaaaaaaaaaaaaaa', /too common/],
      ['my-linquan.doctor-pw', /username/],
      [PW, /used before/],
    ];
    for (const [pw, rule] of cases) {
      const r = await change(PW, pw);
      expect(r.statusCode, pw).toBe(400);
      expect(r.json().field, pw).toBe('newPassword');
      expect(r.json().message, pw).toMatch(rule);
    }
    const steps = ['Linquan-first-2027!', 'Linquan-second-2027!'];
    let current = PW;
    for (const next of steps) {
      expect((await change(current, next)).statusCode).toBe(200);
      current = next;
    }
    // Any of the last PASSWORD_HISTORY (5) is refused, the current one included.
    for (const old of [PW, ...steps])
      expect((await change(current, old)).json().message).toMatch(/used before/);
  });

  it('lists my sessions and ends one of them, which signs that browser out; never another user’s', async () => {
    const a = await login('wanquan.doctor');
    const b = await login('wanquan.doctor');
    const me = a.json();
    const list = await call(session(a), me.csrfToken, 'GET', '/api/auth/sessions');
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { id: string; current: boolean; userAgent: string }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.filter((i) => i.current)).toHaveLength(1);
    expect(items.every((i) => i.userAgent === 'vitest-browser/1.0')).toBe(true);
    const other = items.find((i) => !i.current)!;
    const stranger = await login('yonghe.doctor');
    const refused = await call(
      session(stranger),
      stranger.json().csrfToken,
      'DELETE',
      `/api/auth/sessions/${other.id}`,
    );
    expect(refused.statusCode).toBe(404);
    expect(
      (await call(session(a), me.csrfToken, 'DELETE', `/api/auth/sessions/${other.id}`)).statusCode,
    ).toBe(200);
    const ended = await t.app.inject({ url: '/api/auth/me', cookies: { [SESSION_COOKIE]: session(b) } });
    expect(ended.statusCode).toBe(401);
    expect(
      (await t.app.inject({ url: '/api/auth/me', cookies: { [SESSION_COOKIE]: session(a) } })).statusCode,
    ).toBe(200);
  });
});
