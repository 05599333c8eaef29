/**
 * What the room's own actions (mute, camera, audio-only, hand, chat, agenda, recording) wait for after the socket
 * dropped. The server knows our peer by its socket: on the browser's next socket, a request is answered "join a
 * round first" until an ICE restart (or a new join) has moved the peer there, and socket.io sends whatever was
 * emitted while disconnected ahead of that restart. So from the drop until the peer is back, an action does what
 * it does locally at once (a mute silences the microphone here) and asks the server only once the gate opens.
 *
 * The join itself, ICE restarts and the producers a join makes never wait here: they are what opens it.
 */
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
}
