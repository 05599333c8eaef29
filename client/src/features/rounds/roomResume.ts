/**
 * How the room keeps its peer through a weak or changing network: ICE restarts of its transports (iceRestart.ts)
 * when a transport loses its path or the network changes; after a socket drop, the peer resumed on the next
 * socket by those restarts (or joined again when the server no longer has it); and meanwhile what the user does
 * held at the resume gate (app/resumeGate.ts), so it asks the server only once the peer is back.
 */
import type { types } from 'mediasoup-client';
import { IceRestarter } from './iceRestart';
import { ResumeGate } from '../../app/resumeGate';
import { ConnectionDropped, type RoomState } from './roomTypes';
import { mark, type Request } from './signalling';

/** What the room lets this part see and do (RoomClient's #inner). */
export interface ResumeTarget {
  getState(): RoomState;
  set(patch: Partial<RoomState>): void;
  /** The user wants to be in the room (joined and not left). */
  wantJoined(): boolean;
  /** Counts joins: a newer one supersedes what an older one was doing. */
  joinSeq(): number;
  sendTransport(): types.Transport | null;
  recvTransport(): types.Transport | null;
  rejoin(why: string): Promise<void>;
}

export class RoomResume {
  readonly #room: ResumeTarget;
  readonly #ice: IceRestarter;
  readonly #gate = new ResumeGate();

  constructor(roundId: string, request: Request, room: ResumeTarget) {
    this.#room = room;
    this.#ice = new IceRestarter(roundId, request, () =>
      room.set({ iceRestarts: room.getState().iceRestarts + 1 }),
    );
  }

  /**
   * `f` once the gate is open: what a user does asks the server for our peer where it is now. Asked again once
   * the peer is back when the socket dropped before the answer (the request went with it). Every room action means
   * the same when asked twice: a switch, a hand, a mute, a producer, a recording started or stopped, and a chat
   * message, which carries its own id (the server answers a repeat with the message it stored).
   */
  asked = <T>(f: () => Promise<T>): Promise<T> => this.#gate.asked(f, (e) => e instanceof ConnectionDropped);

  /** ICE restart on both transports (network changed: Wi-Fi ↔ 4G, new address). */
  async restartIce(): Promise<boolean> {
    const ts = [this.#room.sendTransport(), this.#room.recvTransport()].filter(
      (t): t is types.Transport => !!t && !t.closed,
    );
    const outcomes = await Promise.all(ts.map((t) => this.#ice.restart(t)));
    return ts.length === 2 && outcomes.every((o) => o === 'restarted');
  }

  /** The socket dropped under a joined room: until our peer is back, actions wait. */
  disconnected(): void {
    if (!this.#room.wantJoined() || this.#room.getState().status !== 'joined') return;
    this.#gate.close();
    this.#room.set({ reconnecting: true });
  }

  /** The socket is back on a new connection: resume the peer (joined) or join again (neither joined nor joining). */
  reconnected(): void {
    if (!this.#room.wantJoined()) return this.reopen();
    const { status } = this.#room.getState();
    const back =
      status === 'joined'
        ? this.#resume()
        : status !== 'joining'
          ? this.#room.rejoin('socket reconnected')
          : Promise.resolve();
    void back.finally(() => this.reopen());
  }

  /** Let actions through (the peer is back, the room gave up on it, or it left). */
  reopen(): void {
    this.#gate.open();
    if (this.#room.getState().reconnecting) this.#room.set({ reconnecting: false });
  }

  /**
   * The socket came back on a new connection (a network change closes sockets): the server keeps our peer for
   * a while, and an ICE restart on the new socket resumes it with all its media. Too late, or a failed
   * restart: join again from scratch.
   */
  async #resume(): Promise<void> {
    const seq = this.#room.joinSeq();
    if (await this.restartIce()) return;
    if (seq === this.#room.joinSeq() && this.#room.wantJoined())
      await this.#room.rejoin('no ICE restart after reconnect');
  }

  /**
   * A transport's connection state (transports.ts `onState`). The server no longer has this transport (the
   * round's node is gone, or our peer with it) and the media failed: join again, which reaches the round
   * wherever it is served now. Offline or unanswered, the `online` event or the socket's reconnect tries again.
   */
  transportState = (t: types.Transport, s: types.ConnectionState): void => {
    if (s === 'connected') mark(`${t.direction}-connected`);
    if (s !== 'failed' && s !== 'disconnected') return;
    void this.#ice.restart(t).then((outcome) => {
      if (
        outcome === 'refused' &&
        s === 'failed' &&
        !t.closed &&
        this.#room.wantJoined() &&
        this.#room.getState().status === 'joined'
      )
        void this.#room.rejoin(`${t.direction} transport failed, restart refused`);
    });
  };
}
