/**
 * The page's one room client. Joining a round starts as soon as the room's code has loaded, before the session
 * check returns and before React renders the room: the socket connects, and the join, router capabilities,
 * transports and consumers are negotiated while the page is still being built (`pnpm bench rounds` measures join
 * → first remote frame). The room page then takes the same client, whichever of the two asked first: two clients
 * on one socket would each close the other's peer (one round per socket on the server). The server decides access
 * as for any join.
 */
import { connectSocket, type AppSocket } from '../../app/socket';
import { RoomClient } from './RoomClient';
import { mark } from './signalling';

let current: { client: RoomClient; socket: AppSocket } | null = null;

/** The room client for `roundId` on the app's socket: the existing one, else a new one (the old one leaves). */
export function roomClientFor(roundId: string): RoomClient {
  const socket = connectSocket();
  if (current && current.client.roundId === roundId && current.socket === socket) return current.client;
  if (current) void current.client.leave();
  current = { client: new RoomClient(roundId, socket), socket };
  return current.client;
}

/** Called once, at page load, when the address is a round's room (the page joins it too; join() is shared). */
export function startEarlyJoin(roundId: string, audioOnly: boolean): void {
  const client = roomClientFor(roundId);
  const socket = connectSocket();
  if (!socket.connected) socket.once('connect', () => mark('socket-connected'));
  if (client.getState().status === 'idle') void client.join({ audioOnly }).catch(() => undefined);
}
