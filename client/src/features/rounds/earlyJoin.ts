/**
 * Joining a round starts as soon as the room's code has loaded, before the session check returns and before
 * React renders the room: the socket connects, and the join, router capabilities, transports and consumers are
 * negotiated while the page is still being built (`pnpm bench rounds` measures join → first remote frame).
 * The room page then takes over this client instead of creating its own. The server decides access as for any
 * join; a join that fails here (signed out, not invited) is simply not taken over.
 */
import { connectSocket, getSocket, type AppSocket } from '../../app/socket';
import { RoomClient } from './RoomClient';

let early: { client: RoomClient; socket: AppSocket } | null = null;

/** Called once, at page load, when the address is a round's room. */
export function startEarlyJoin(roundId: string, audioOnly: boolean): void {
  if (early) return;
  const socket = connectSocket();
  const client = new RoomClient(roundId, socket);
  early = { client, socket };
  void client.join({ audioOnly }).catch(() => undefined);
}

/** The client joining (or joined to) this round since page load, while it is still usable. */
export function earlyRoomClient(roundId: string): RoomClient | null {
  if (!early || early.client.roundId !== roundId) return null;
  const { client, socket } = early;
  // Still on the app's socket (signing out closes it) and not failed, left or ended.
  if (getSocket() === socket && ['joining', 'joined'].includes(client.getState().status)) return client;
  early = null;
  void client.leave();
  return null;
}
