/**
 * socket.io contract. Every event name is spelled only here (and in the per-capability files this merges);
 * server and client derive `Server<ClientToServerEvents, ServerToClientEvents>` / `Socket<...>` from these maps.
 * Acks are `(res: Ack<T>) => void`: `{ ok: true, data }` or `{ ok: false, code, message }`.
 */
import type { ErrorCode } from '../errors';
import type { Notification } from './notifications';
import { ROUND_METHODS, type RoundClientToServerEvents, type RoundServerToClientEvents } from './rounds';
import type { ConsultationServerToClientEvents } from './consultations';
import { SYNC_COMMANDS, type SyncClientToServerEvents, type SyncServerToClientEvents } from './sync';

export * from './notifications';
export * from './rounds';
export * from './consultations';
export * from './sync';

export type Ack<T = undefined> = { ok: true; data: T } | { ok: false; code: ErrorCode; message: string };
export type AckFn<T = undefined> = (res: Ack<T>) => void;

/** Server → client: the inbox and live entity changes every capability can use. */
export interface CoreServerToClientEvents {
  /** A new inbox entry for this user. */
  'notification:new': (n: Notification) => void;
  /** An entity the client may be showing changed; refetch it. */
  'entity:changed': (e: { entityType: string; entityId: string; version?: number }) => void;
}

/** Client → server. */
export interface CoreClientToServerEvents {
  /** Ask for everything unread since a time (on reconnect); ack with the missed notifications. */
  'notification:sync': (since: string | null, ack: AckFn<Notification[]>) => void;
}

export type ServerToClientEvents = CoreServerToClientEvents &
  ConsultationServerToClientEvents &
  RoundServerToClientEvents &
  SyncServerToClientEvents;
export type ClientToServerEvents = CoreClientToServerEvents &
  RoundClientToServerEvents &
  SyncClientToServerEvents;

/** Every client → server event name, at run time (tests generate over it). */
export const CLIENT_EVENTS: (keyof ClientToServerEvents)[] = [
  'notification:sync',
  ...ROUND_METHODS.map((m) => `round:${m}` as const),
  ...SYNC_COMMANDS.map((c) => `sync:${c}` as const),
];
