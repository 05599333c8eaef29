/**
 * Who owns a live round: one node at a time, by a lease. Two implementations: `LocalLeases` (one process, no
 * Redis: this node owns every round) and `RedisLeases` (a cluster: SET NX PX with renewal and a fencing token).
 */
import type { EventEmitter } from 'node:events';

/** The holder of a round's lease: a node id and the fencing token it was granted (grows with every grant). */
export interface LeaseHolder {
  nodeId: string;
  token: number;
}

export interface LeaseEvents {
  /** This node no longer owns the round (renewal refused, or its local deadline passed): stop serving it. */
  lost: [roundId: string, token: number];
}

export interface RoundLeases extends EventEmitter<LeaseEvents> {
  readonly nodeId: string;
  /** Lease time in ms (also how long a dead owner's rounds wait before a survivor takes them). */
  readonly ttlMs: number;
  /** The current holder, or null when the round is free. */
  holder(roundId: string): Promise<LeaseHolder | null>;
  /** Take the round when it is free (the new holder is this node); otherwise the current holder. */
  acquire(roundId: string): Promise<LeaseHolder>;
  /** True while this node holds the round with `token` and its lease cannot have expired yet. */
  holds(roundId: string, token: number): boolean;
  /** The token this node holds the round with, or null. */
  heldToken(roundId: string): number | null;
  /** Give the round up (its room closed). */
  release(roundId: string): Promise<void>;
  close(): Promise<void>;
}
