import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Text, Uuid } from './common';
import { SERVICE_CLIENT_PERMISSIONS } from '../permissions';

/** A permission a service client may hold (shared/src/permissions.ts SERVICE_CLIENT_PERMISSIONS). */
export const ServiceClientPermission = Type.Union(SERVICE_CLIENT_PERMISSIONS.map((p) => Type.Literal(p)));

/**
 * A machine client of one hospital (PACS, county gateway, viewer deployment). Its `id` is the OAuth 2.0
 * client_id; the secret is shown once, at creation, and only its argon2 hash is stored.
 */
export const ServiceClient = Type.Object({
  id: Uuid,
  name: Type.String(),
  hospitalId: Uuid,
  permissions: Type.Array(ServiceClientPermission),
  createdAt: IsoDateTime,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([IsoDateTime, Type.Null()]),
  revokedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type ServiceClient = Static<typeof ServiceClient>;

export const ServiceClientCreate = Type.Object(
  {
    name: Text(200),
    hospitalId: Uuid,
    permissions: Type.Array(ServiceClientPermission, { minItems: 1, maxItems: 8, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type ServiceClientCreate = Static<typeof ServiceClientCreate>;

/** The answer to a creation: the client and its secret — the only time the secret is ever shown. */
export const ServiceClientCreated = Type.Object({
  client: ServiceClient,
  clientSecret: Type.String(),
  tokenUrl: Type.String(),
});
export type ServiceClientCreated = Static<typeof ServiceClientCreated>;
