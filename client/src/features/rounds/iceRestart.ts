/**
 * ICE restarts of the room's transports. A network change fires a burst of events (offline, online, several
 * `connection` changes, the transports' own `disconnected`/`failed`); restarts of one transport never overlap,
 * and events arriving during one ask for one more afterwards, so the last restart always uses the network as
 * it is now. Offline nothing is tried: the `online` event comes back with a restart.
 *
 * The restartIce request also resumes the server-side peer when it is sent on a new socket (Chromium closes
 * its sockets on a network change): the transport id identifies the peer, so the same request works before
 * and after a socket reconnect.
 */
import type { types } from 'mediasoup-client';
import type { RoundMethod, RoundRequestData, RoundResponse } from '@consult/shared';

type Request = <M extends RoundMethod>(method: M, data: RoundRequestData<M>) => Promise<RoundResponse<M>>;

interface Running {
  again: boolean;
  /** Resolves true when a restart went through (the server answered and the transport took the new ICE). */
  done: Promise<boolean>;
}

export class IceRestarter {
  readonly #request: Request;
  readonly #onRestarted: () => void;
  readonly #roundId: string;
  readonly #running = new Map<types.Transport, Running>();

  /** `roundId` goes with each restart: a socket that landed on another node finds the round's node with it. */
  constructor(roundId: string, request: Request, onRestarted: () => void) {
    this.#roundId = roundId;
    this.#request = request;
    this.#onRestarted = onRestarted;
  }

  /** Restart ICE on `t` (joining a restart already under way); resolves whether the last attempt went through. */
  restart(t: types.Transport): Promise<boolean> {
    const running = this.#running.get(t);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry: Running = { again: true, done: Promise.resolve(false) };
    entry.done = (async () => {
      let ok = false;
      while (entry.again && !t.closed && navigator.onLine) {
        entry.again = false;
        try {
          const { iceParameters } = await this.#request('restartIce', {
            transportId: t.id,
            roundId: this.#roundId,
          });
          await t.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
          ok = true;
          this.#onRestarted();
        } catch {
          ok = false; // the transport is gone (rejoin under way) or the server did not answer
        }
      }
      return ok;
    })().finally(() => this.#running.delete(t));
    this.#running.set(t, entry);
    return entry.done;
  }
}
