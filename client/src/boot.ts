/**
 * Run by the page's small entry (main.tsx) before the app's ~600 kB chunk (start.tsx) has even compiled. Opened
 * straight at a round's room (a join link, a reload), it connects the socket and starts joining (earlyJoin.ts, a
 * chunk of its own fetched from here) while the app's code still loads: the join waits for neither the app nor its
 * render (`pnpm bench rounds`, join → first remote frame). The room page, once rendered, takes the same room
 * client (one socket module instance, shared by both chunks).
 */
import { connectSocket } from './app/socket';

/** The round whose room the page was opened at (a join link, a reload), else null. */
export const roomAtLoad: string | null =
  /^\/rounds\/([0-9a-f-]{36})\/room\/?$/i.exec(window.location.pathname)?.[1] ?? null;

if (roomAtLoad) {
  performance.mark('round:app-code');
  connectSocket(); // the socket's handshake overlaps the download of the signalling code
  const audioOnly = new URLSearchParams(window.location.search).get('audioOnly') === '1';
  void import('./features/rounds/earlyJoin')
    .then((m) => {
      performance.mark('round:join-code');
      m.startEarlyJoin(roomAtLoad, audioOnly);
    })
    .catch(() => undefined);
}
