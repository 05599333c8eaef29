/**
 * Service clients and OAuth 2.0 client credentials, as an Orthanc-like client uses them over real HTTP: create a
 * client (secret once), get a token (client_secret_basic and client_secret_post, RFC 6749 §5.2 errors), STOW then
 * QIDO with the bearer (no CSRF), scoped to the client's hospital, audited under the client; expiry and revocation
 * answer 401 with RFC 6750's WWW-Authenticate at once; CORS only for the configured origins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hospitalId, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { ctImage } from '../access/world.test-helper';
import { stowBody } from '../imaging/testkit';
import { basicAuth, createServiceClient, tokenFor, type TestClient } from './testkit';

const ALLOWED = 'http://viewer.example.test:8042';
const FORM = 'application/x-www-form-urlencoded';

describe('service clients and bearer tokens', () => {
  let t: TestApp;
  let base: string;
  let program: Session;
  let lankaoId: string;
  let client: TestClient;

  const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': FORM, ...headers },
      payload: new URLSearchParams(form).toString(),
    });
  const http = (path: string, init: RequestInit & { bearer?: string } = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  beforeAll(async () => {
    t = await makeTestApp('pglite', { corsOrigins: [ALLOWED] });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    program = await t.login('program');
    lankaoId = await hospitalId(t.db, 'Lankao');
    client = await createServiceClient(
      t,
      program,
      lankaoId,
      ['studies:upload', 'studies:read'],
      'Lankao PACS',
    );
  }, 120_000);
  afterAll(() => t?.close(), 60_000);

  it('shows the secret once, stores only its argon2 hash, and lets only administrators manage clients', async () => {
    const row = await t.db
      .selectFrom('service_clients')
      .selectAll()
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toMatch(/^\$argon2id\$/);
    expect(row.secret_hash).not.toContain(client.secret);
    const list = await t.as(program, { method: 'GET', url: '/api/service-clients' });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Lankao PACS');
    expect(list.body).not.toContain(client.secret);
    const doctor = await t.login('lankao.doctor');
    for (const req of [
      { method: 'GET' as const, url: '/api/service-clients' },
      {
        method: 'POST' as const,
        url: '/api/service-clients',
        payload: { name: 'x', hospitalId: lankaoId, permissions: ['studies:read'] },
      },
    ])
      expect((await t.as(doctor, req)).statusCode).toBe(403);
    const bad = await t.as(program, {
      method: 'POST',
      url: '/api/service-clients',
      payload: { name: 'x', hospitalId: lankaoId, permissions: ['users:manage'] },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('issues tokens by client_secret_basic and client_secret_post, never cached', async () => {
    const basic = await token(
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(basic.statusCode).toBe(200);
    expect(basic.headers['cache-control']).toBe('no-store');
    expect(basic.headers.pragma).toBe('no-cache');
    const body = basic.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: t.config.oauthTokenTtlSeconds,
      scope: 'studies:upload studies:read',
    });
    expect(typeof body.access_token).toBe('string');
    const post = await token({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      scope: 'studies:read',
    });
    expect(post.statusCode).toBe(200);
    expect(post.json()).toMatchObject({ scope: 'studies:read' });
  });

  it('answers every refusal with an RFC 6749 §5.2 error body', async () => {
    const cases: [Parameters<typeof token>, number, string][] = [
      [
        [{ grant_type: 'client_credentials' }, { authorization: basicAuth(client.id, 'wrong') }],
        401,
        'invalid_client',
      ],
      [
        [{ grant_type: 'client_credentials', client_id: crypto.randomUUID(), client_secret: 'x' }],
        401,
        'invalid_client',
      ],
      [
        [{ grant_type: 'client_credentials', client_id: 'not-a-uuid', client_secret: 'x' }],
        401,
        'invalid_client',
      ],
      [[{ grant_type: 'client_credentials' }], 401, 'invalid_client'],
      [[{ client_id: client.id, client_secret: client.secret }], 400, 'invalid_request'],
      [
        [{ grant_type: 'password', client_id: client.id, client_secret: client.secret }],
        400,
        'unsupported_grant_type',
      ],
      [
        [
          {
            grant_type: 'client_credentials',
            client_id: client.id,
            client_secret: client.secret,
            scope: 'fhir:read',
          },
        ],
        400,
        'invalid_scope',
      ],
      [
        [
          { grant_type: 'client_credentials', client_secret: client.secret },
          { authorization: basicAuth(client.id, client.secret) },
        ],
        400,
        'invalid_request',
      ],
    ];
    for (const [args, status, error] of cases) {
      const res = await token(...args);
      expect([args, res.statusCode, res.json().error]).toEqual([args, status, error]);
      expect(typeof res.json().error_description).toBe('string');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const basicFail = await token(
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(client.id, 'wrong') },
    );
    expect(basicFail.headers['www-authenticate']).toMatch(/^Basic /);
    const repeated = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': FORM, authorization: basicAuth(client.id, client.secret) },
      payload: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect([repeated.statusCode, repeated.json().error]).toEqual([400, 'invalid_request']);
    const json = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json', authorization: basicAuth(client.id, client.secret) },
      payload: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect([json.statusCode, json.json().error]).toEqual([400, 'invalid_request']);
  });

  it('an Orthanc-like client STOWs then QIDOs over HTTP with its bearer (no CSRF), scoped to its hospital and audited under its id', async () => {
    const access = await tokenFor(t, client);
    const img = ctImage('GATEWAY^PATIENT', `GW-${Date.now()}`);
    const { body, contentType } = stowBody([img.bytes]);
    const stow = await http('/dicomweb/studies', {
      method: 'POST',
      bearer: access,
      headers: { 'content-type': contentType, accept: 'application/dicom+json' },
      body,
    });
    expect(stow.status).toBe(200);
    const qido = await http(`/dicomweb/studies?StudyInstanceUID=${img.studyUid}`, { bearer: access });
    expect(qido.status).toBe(200);
    expect(await qido.text()).toContain(img.studyUid);
    const wado = await http(
      `/wado?requestType=WADO&studyUID=${img.studyUid}&seriesUID=${img.seriesUid}&objectUID=${img.sopUid}&contentType=application/dicom`,
      { bearer: access },
    );
    expect(wado.status).toBe(200);
    // The study belongs to Lankao: its doctor sees it; Linquan's does not.
    const lankao = await t.as(await t.login('lankao.doctor'), {
      method: 'GET',
      url: `/dicomweb/studies?StudyInstanceUID=${img.studyUid}`,
    });
    expect(lankao.body).toContain(img.studyUid);
    const linquan = await t.as(await t.login('linquan.doctor'), {
      method: 'GET',
      url: `/dicomweb/studies?StudyInstanceUID=${img.studyUid}`,
    });
    expect(linquan.body).not.toContain(img.studyUid);
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['actor_id', 'actor_role', 'hospital_id'])
      .where('action', '=', 'imaging.instance.store')
      .where('actor_id', '=', client.id)
      .execute();
    expect(audit).toEqual([{ actor_id: client.id, actor_role: 'service_client', hospital_id: lankaoId }]);
    // The bearer is not a session: the rest of the API ignores it.
    expect((await http('/api/worklist', { bearer: access })).status).toBe(401);
  });

  it('a token does only what its scope names (403 insufficient_scope); a cookie still needs CSRF', async () => {
    const readOnly = await tokenFor(t, client, 'studies:read');
    const { body, contentType } = stowBody([ctImage('READ^ONLY', 'RO-1').bytes]);
    const res = await http('/dicomweb/studies', {
      method: 'POST',
      bearer: readOnly,
      headers: { 'content-type': contentType },
      body,
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    const doctor = await t.login('lankao.doctor');
    const cookieNoCsrf = await t.app.inject({
      method: 'POST',
      url: '/dicomweb/studies',
      cookies: { consult_sid: doctor.cookie },
      headers: { 'content-type': contentType },
      payload: body,
    });
    expect([cookieNoCsrf.statusCode, cookieNoCsrf.json().code]).toEqual([403, 'csrf']);
  });

  it('answers 401 with WWW-Authenticate (RFC 6750) without, with a bad, an expired or a revoked token', async () => {
    const none = await http('/dicomweb/studies');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="consult"');
    const bad = await http('/dicomweb/studies', { bearer: 'nonsense' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="consult", error="invalid_token"/);

    const expiring = await tokenFor(t, client);
    expect((await http('/dicomweb/studies', { bearer: expiring })).status).toBe(200);
    await t.db
      .updateTable('service_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    const expired = await http('/dicomweb/studies', { bearer: expiring });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(
      /error="invalid_token", error_description="the access token expired"/,
    );

    const other = await createServiceClient(t, program, lankaoId, ['studies:read'], 'to revoke');
    const live = await tokenFor(t, other);
    expect((await http('/dicomweb/studies', { bearer: live })).status).toBe(200);
    const revoke = await t.as(program, { method: 'POST', url: `/api/service-clients/${other.id}/revoke` });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json().revokedAt).not.toBeNull();
    const after = await http('/dicomweb/studies', { bearer: live });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const again = await token(
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(other.id, other.secret) },
    );
    expect([again.statusCode, again.json().error]).toEqual([401, 'invalid_client']);
  });

  it('CORS: answers the preflight of a configured origin, refuses any other, and stays off /api', async () => {
    const pre = (origin: string, path = '/dicomweb/studies') =>
      http(path, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await pre(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const no = await pre('http://evil.example.test');
    expect(no.status).toBe(403);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    expect((await pre(ALLOWED, '/api/auth/me')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await pre(ALLOWED, '/oauth/token')).status).toBe(204);
    const get = await http('/dicomweb/studies', {
      bearer: await tokenFor(t, client),
      headers: { origin: ALLOWED },
    });
    expect(get.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(get.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/);
  });
});
