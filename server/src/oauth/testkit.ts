/** Test helpers for service clients: create one as an administrator, exchange its secret for a token. */
import type { Session, TestApp } from '../testing/harness';

export interface TestClient {
  id: string;
  secret: string;
}

export async function createServiceClient(
  t: TestApp,
  admin: Session,
  hospitalId: string,
  permissions: string[],
  name = `client-${Math.random().toString(36).slice(2, 8)}`,
): Promise<TestClient> {
  const res = await t.as(admin, {
    method: 'POST',
    url: '/api/service-clients',
    payload: { name, hospitalId, permissions },
  });
  if (res.statusCode !== 201) throw new Error(`create client: ${res.statusCode} ${res.body}`);
  const body = res.json() as { client: { id: string }; clientSecret: string };
  return { id: body.client.id, secret: body.clientSecret };
}

export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POST /oauth/token with client_secret_basic; returns the access token. */
export async function tokenFor(t: TestApp, c: TestClient, scope?: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  const res = await t.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(c.id, c.secret),
    },
    payload: form.toString(),
  });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return (res.json() as { access_token: string }).access_token;
}
