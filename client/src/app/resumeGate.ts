/**
 * What a feature's requests over the app's socket wait for after the socket dropped. The server knows a socket's
 * part in a round (its video peer, its place in the round viewer) by the socket: on the browser's next socket a
 * request is refused ("join a round first", "join the round viewer first") until the feature has re-established
 * that part, and socket.io sends whatever was emitted while disconnected ahead of the request that does it. So
 * from the drop until the part is back, an action does what it does locally at once and asks the server only once
 * the gate opens. The requests that re-establish the part never wait here: they are what opens it.
 * Used by the room (features/rounds/roomResume.ts) and the round viewer (features/sync/SyncClient.ts).
 */
/** How often a request is asked in all when each time the socket drops before its answer. */
const ASKS = 3;

export class ResumeGate {
  #passed: Promise<void> = Promise.resolve();
  #open: (() => void) | null = null;

  /** Closed: the socket dropped and the peer is not back on a new one yet. */
  get closed(): boolean {
    return this.#open !== null;
  }

  /** Settles at once while open; else once the peer is back (or the room gave up on it). */
  passed(): Promise<void> {
    return this.#passed;
  }

  close(): void {
    if (this.#open) return;
    this.#passed = new Promise((resolve) => (this.#open = resolve));
  }

  open(): void {
    const open = this.#open;
    this.#open = null;
    open?.();
  }

  /**
   * `f` once the gate is open; asked again once it opens after a failure that `lost` says went with a dropped
   * socket (the request never reached an answer), up to ASKS times in all. For what means the same when asked
   * twice, as every room and viewer command does.
   */
  async asked<T>(f: () => Promise<T>, lost: (e: unknown) => boolean): Promise<T> {
    for (let n = 1; ; n++) {
      await this.passed();
      try {
        return await f();
      } catch (e) {
        if (n >= ASKS || !lost(e)) throw e;
      }
    }
  }
}
