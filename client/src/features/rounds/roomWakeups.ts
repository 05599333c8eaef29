/**
 * What wakes a room from outside it: the socket's round notifications, drops and reconnects, the page's network
 * changes (the browser coming online, the connection type changing) and the tab closing. Attached once when the
 * room joins and detached once when it leaves, with the same handler references, so nothing is heard twice or
 * left behind.
 */
import type { RoundNotification } from '@consult/shared';
import type { AppSocket } from '../../app/socket';

export interface WakeHandlers {
  notify(n: RoundNotification): void;
  /** The socket connected again (a new connection: the server may still hold our peer). */
  reconnected(): void;
  /** The socket dropped (it reconnects by itself). */
  disconnected(): void;
  networkChanged(): void;
  pageHidden(): void;
}

export class RoomWakeups {
  readonly #socket: AppSocket;
  readonly #notify: (n: RoundNotification) => void;
  readonly #reconnected: () => void;
  readonly #disconnected: () => void;
  readonly #networkChanged: () => void;
  readonly #pageHidden: () => void;
  #on = false;

  constructor(socket: AppSocket, h: WakeHandlers) {
    this.#socket = socket;
    this.#notify = (n) => h.notify(n);
    this.#reconnected = () => h.reconnected();
    this.#disconnected = () => h.disconnected();
    this.#networkChanged = () => h.networkChanged();
    this.#pageHidden = () => h.pageHidden();
  }

  /** Listen (true) or stop listening (false); asking twice for the same is a no-op. */
  set(on: boolean): void {
    if (this.#on === on) return;
    this.#on = on;
    this.#socket[on ? 'on' : 'off']('round:notify', this.#notify);
    this.#socket[on ? 'on' : 'off']('connect', this.#reconnected);
    this.#socket[on ? 'on' : 'off']('disconnect', this.#disconnected);
    const m = on ? 'addEventListener' : 'removeEventListener';
    window[m]('online', this.#networkChanged);
    window[m]('pagehide', this.#pageHidden);
    (navigator as Navigator & { connection?: EventTarget }).connection?.[m]('change', this.#networkChanged);
  }
}
