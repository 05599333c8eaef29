import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime } from './common';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const AuditEvent = Type.Object({
  seq: Type.Integer(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  hospitalId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union(AUDIT_OUTCOMES.map((o) => Type.Literal(o))),
  ip: Type.Union([Type.String(), Type.Null()]),
  at: IsoDateTime,
  hash: Type.String(),
});
export type AuditEvent = Static<typeof AuditEvent>;

export const AuditQuery = Type.Object({
  entityType: Type.Optional(Type.String({ maxLength: 64 })),
  entityId: Type.Optional(Type.String({ maxLength: 128 })),
  actorId: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditVerifyResult = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  firstBadSeq: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  /** Every problem found (edited rows, broken links, a deleted tail), not only the first. */
  problems: Type.Array(
    Type.Object({ seq: Type.Union([Type.Integer(), Type.Null()]), reason: Type.String() }),
  ),
  problemCount: Type.Integer(),
});
export type AuditVerifyResult = Static<typeof AuditVerifyResult>;
