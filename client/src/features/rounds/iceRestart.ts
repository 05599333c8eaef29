/**
 * ICE restarts of the room's transports. A network change fires a burst of events (offline, online, several
 * `connection` changes, the transports' own `disconnected`/`failed`); restarts of one transport never overlap,
 * and events arriving during one ask for one more afterwards, so the last restart always uses the network as
 * it is now. Offline nothing is tried: the `online` event comes back with a restart.
 *
 * The restartIce request also resumes the server-side peer when it is sent on a new socket (Chromium closes
 * its sockets on a network change): the transport id identifies the peer, so the same request works before
 * and after a socket reconnect.
 *
 * A restart ends one of three ways: `restarted`; `refused` (the server answered that it has no such transport:
 * its node is gone or the peer's grace passed, so only a new join helps); `unreachable` (offline, or no answer in
 * time: the `online` event or the socket's reconnect tries again, and a rejoin now would only throw away a peer
 * the server still keeps for us).
 */
import type { types } from 'mediasoup-client';
import { RequestError } from './roomTypes';
import type { Request } from './signalling';

export type RestartOutcome = 'restarted' | 'refused' | 'unreachable';

interface Running {
  again: boolean;
  /** How the last attempt ended. */
  done: Promise<RestartOutcome>;
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

  /** Restart ICE on `t` (joining a restart already under way); resolves how the last attempt ended. */
  restart(t: types.Transport): Promise<RestartOutcome> {
    const running = this.#running.get(t);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry: Running = { again: true, done: Promise.resolve('unreachable') };
    entry.done = (async () => {
      let outcome: RestartOutcome = 'unreachable';
      while (entry.again && !t.closed && navigator.onLine) {
        entry.again = false;
        try {
          const { iceParameters } = await this.#request('restartIce', {
            transportId: t.id,
            roundId: this.#roundId,
          });
          await t.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
          outcome = 'restarted';
          this.#onRestarted();
        } catch (e) {
          // No answer in time is not a refusal: the server may well keep our peer.
          outcome = e instanceof RequestError && e.code === 'unavailable' ? 'unreachable' : 'refused';
        }
      }
      console.info(`round: ICE restart of the ${t.direction} transport: ${outcome}`);
      return outcome;
    })().finally(() => this.#running.delete(t));
    this.#running.set(t, entry);
    return entry.done;
  }
}
