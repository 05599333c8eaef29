import { EventEmitter } from 'node:events';
import type { LeaseEvents, LeaseHolder, RoundLeases } from './leases';

/** One process, no Redis: this node owns every round, with token 1. */
export class LocalLeases extends EventEmitter<LeaseEvents> implements RoundLeases {
  readonly nodeId: string;
  readonly ttlMs = 0;
  readonly #held = new Set<string>();

  constructor(nodeId: string) {
    super();
    this.nodeId = nodeId;
  }

  async holder(roundId: string): Promise<LeaseHolder | null> {
    return this.#held.has(roundId) ? { nodeId: this.nodeId, token: 1 } : null;
  }

  async acquire(roundId: string): Promise<LeaseHolder> {
    this.#held.add(roundId);
    return { nodeId: this.nodeId, token: 1 };
  }

  holds(roundId: string, token: number): boolean {
    return token === 1 && this.#held.has(roundId);
  }

  heldToken(roundId: string): number | null {
    return this.#held.has(roundId) ? 1 : null;
  }

  async release(roundId: string): Promise<void> {
    this.#held.delete(roundId);
  }

  async close(): Promise<void> {
    this.#held.clear();
  }
}
