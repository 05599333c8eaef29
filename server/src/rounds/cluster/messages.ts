import type { Ack, RoundMethod } from '@consult/shared';
import type { Actor } from '../../auth/actor';

/** A socket's round request, carried from the node the socket is on to the round's owner. */
export interface RoundCall {
  kind: 'call';
  socketId: string;
  actor: Actor;
  method: RoundMethod;
  data: unknown;
  /** The round and the lease token the caller routed by; null when the socket has no round yet. */
  roundId: string | null;
  token: number | null;
}

/** The owner's answer: the socket's ack, or `moved` when it no longer holds the lease the call was routed by. */
export interface CallResult {
  ack: Ack<unknown>;
  moved?: true;
}

export type BusMessage =
  RoundCall | { kind: 'disconnect'; socketId: string; reason: string } | { kind: 'end'; roundId: string };
