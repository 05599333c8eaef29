/**
 * Service clients and their tokens (OAuth 2.0 client credentials, RFC 6749 §4.4). A client belongs to one
 * hospital and holds a subset of SERVICE_CLIENT_PERMISSIONS; its secret is shown once and stored argon2-hashed.
 * Tokens are opaque random strings (only their SHA-256 is stored), short-lived, and checked against their client
 * on every request, so revoking the client ends them at once.
 */
import crypto from 'node:crypto';
import {
  can,
  Permission,
  SERVICE_CLIENT_PERMISSIONS,
  SERVICE_CLIENT_ROLE,
  type ServiceClient,
  type ServiceClientCreate,
} from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { burnVerify, hashPassword, verifyPassword } from '../auth/password';
import { sha256 } from '../auth/service';
import { recordAudit } from '../audit/service';
import { DomainError, notFound } from '../errors';
import { findHospital } from '../network/queries';
import * as q from './queries';

const permissionsOf = (json: string): Permission[] =>
  (JSON.parse(json) as string[]).filter((p): p is Permission =>
    SERVICE_CLIENT_PERMISSIONS.includes(p as Permission),
  );

export function toServiceClient(r: q.ServiceClientRow): ServiceClient {
  return {
    id: r.id,
    name: r.name,
    hospitalId: r.hospital_id,
    permissions: permissionsOf(r.permissions) as ServiceClient['permissions'],
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

/** The audit entry's actor for a service client (its id, role service_client, its hospital). */
const clientActor = (c: { id: string; hospital_id: string }, ip: string | null) => ({
  id: c.id,
  role: SERVICE_CLIENT_ROLE,
  hospitalId: c.hospital_id,
  ip,
});

export async function createClient(
  db: DB,
  actor: Actor,
  body: ServiceClientCreate,
): Promise<{ client: ServiceClient; clientSecret: string }> {
  const hospital = await findHospital(db, { visible: null }, body.hospitalId);
  if (!hospital) throw new DomainError('validation', 'no such hospital', '/body/hospitalId');
  const clientSecret = crypto.randomBytes(32).toString('base64url');
  const secretHash = await hashPassword(clientSecret);
  const row = await db.transaction().execute(async (trx) => {
    const r = await q.insertClient(trx, {
      id: crypto.randomUUID(),
      name: body.name.trim(),
      hospital_id: body.hospitalId,
      permissions: JSON.stringify([...new Set(body.permissions)]),
      secret_hash: secretHash,
      created_by: actor.id,
    });
    await recordAudit(trx, {
      actor,
      action: 'service_client.create',
      entityType: 'service_client',
      entityId: r.id,
      ip: actor.ip,
      detail: { name: r.name, hospitalId: r.hospital_id, permissions: body.permissions },
    });
    return r;
  });
  return { client: toServiceClient(row), clientSecret };
}

export async function listClients(db: DB, hospitalId: string | null): Promise<ServiceClient[]> {
  return (await q.listClients(db, hospitalId)).map(toServiceClient);
}

export async function revokeClient(db: DB, actor: Actor, id: string): Promise<ServiceClient> {
  return db.transaction().execute(async (trx) => {
    const before = await q.clientById(trx, id);
    if (!before) throw notFound('service client');
    if (before.revoked_at) return toServiceClient(before);
    const row = (await q.revokeClient(trx, id, actor.id, new Date()))!;
    await recordAudit(trx, {
      actor,
      action: 'service_client.revoke',
      entityType: 'service_client',
      entityId: id,
      ip: actor.ip,
      detail: { name: row.name },
    });
    return toServiceClient(row);
  });
}

/** An RFC 6749 §5.2 error of the token endpoint. */
export class OAuthError extends Error {
  constructor(
    public readonly error:
      | 'invalid_request'
      | 'invalid_client'
      | 'invalid_grant'
      | 'unauthorized_client'
      | 'unsupported_grant_type'
      | 'invalid_scope',
    public readonly description: string,
  ) {
    super(description);
  }
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * Check the client's credentials and issue a token carrying `scope` (space-separated permissions, default: all of
 * the client's). Unknown client, wrong secret and revoked client are the same invalid_client after the same
 * argon2 work, so the answer reveals nothing about which client ids exist.
 */
export async function issueToken(
  db: DB,
  creds: { clientId: string; clientSecret: string; scope: string | undefined },
  ttlSeconds: number,
  ip: string | null,
): Promise<IssuedToken> {
  const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(creds.clientId);
  const client = uuidLike ? await q.clientById(db, creds.clientId) : undefined;
  if (!client) {
    await burnVerify(creds.clientSecret);
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  const secretOk = await verifyPassword(client.secret_hash, creds.clientSecret);
  if (!secretOk || client.revoked_at) {
    await recordAudit(db, {
      actor: clientActor(client, ip),
      action: 'oauth.token',
      entityType: 'service_client',
      entityId: client.id,
      outcome: 'denied',
      ip,
      detail: { reason: client.revoked_at ? 'revoked' : 'wrong secret' },
    });
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  const held = permissionsOf(client.permissions);
  const asked = creds.scope === undefined ? held : creds.scope.split(' ').filter(Boolean);
  const unknown = asked.filter((s) => !held.includes(s as Permission));
  if (unknown.length || !asked.length) {
    throw new OAuthError(
      'invalid_scope',
      unknown.length
        ? `this client does not hold ${unknown.join(', ')}; it holds ${held.join(' ')}`
        : 'the scope is empty',
    );
  }
  const token = crypto.randomBytes(32).toString('base64url');
  const now = new Date();
  const scope = [...new Set(asked)].join(' ');
  await db.transaction().execute(async (trx) => {
    await q.insertToken(
      trx,
      {
        token_hash: sha256(token),
        client_id: client.id,
        scope,
        expires_at: new Date(now.getTime() + ttlSeconds * 1000),
      },
      now,
    );
    await recordAudit(trx, {
      actor: clientActor(client, ip),
      action: 'oauth.token',
      entityType: 'service_client',
      entityId: client.id,
      ip,
      detail: { scope, expiresIn: ttlSeconds },
    });
  });
  return { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds, scope };
}

/** Why a bearer token was refused (RFC 6750 error_description). */
export class InvalidToken extends Error {}

/**
 * The actor of a bearer token: the service client, role service_client, its hospital, the token's permissions
 * (narrowed to what the client still holds). Unknown, expired and revoked tokens throw InvalidToken.
 */
export async function actorFromBearer(db: DB, token: string, ip: string | null): Promise<Actor> {
  const row = await q.tokenWithClient(db, sha256(token));
  if (!row) throw new InvalidToken('the access token is not valid');
  if (row.revoked_at) throw new InvalidToken('the client of this access token was revoked');
  if (new Date(row.expires_at).getTime() <= Date.now()) throw new InvalidToken('the access token expired');
  const held = permissionsOf(row.permissions);
  const granted = row.scope
    .split(' ')
    .filter((p): p is Permission => held.includes(p as Permission))
    .filter((p) => can(SERVICE_CLIENT_ROLE, p));
  return {
    id: row.id,
    username: `service:${row.name}`,
    displayName: row.name,
    role: SERVICE_CLIENT_ROLE,
    hospitalId: row.hospital_id,
    departmentId: null,
    sessionId: '',
    csrfToken: '',
    ip,
    granted,
  };
}
