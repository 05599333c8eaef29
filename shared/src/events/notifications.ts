import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from '../schemas/common';

/** Kinds of inbox notification. Past tense: something happened. */
export const NOTIFICATION_KINDS = [
  'consultation.submitted',
  'consultation.assigned',
  'consultation.accepted',
  'consultation.declined',
  'consultation.returned',
  'consultation.message_posted',
  'consultation.state_changed',
  'consultation.sla_warning',
  'report.ready',
  'round.invited',
  'round.started',
  'care_team.added',
  'care_team.removed',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const Notification = Type.Object({
  id: Uuid,
  kind: Type.Union(NOTIFICATION_KINDS.map((k) => Type.Literal(k))),
  /** What it is about: a consultation, a report, a round. */
  entityType: Type.String(),
  entityId: Type.String(),
  /** Short human text, already localized server-side is NOT assumed: the client renders from kind + data. */
  data: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  createdAt: IsoDateTime,
  readAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type Notification = Static<typeof Notification>;

export const NotificationList = Type.Object({
  items: Type.Array(Notification),
  unread: Type.Integer({ minimum: 0 }),
});
export type NotificationList = Static<typeof NotificationList>;
