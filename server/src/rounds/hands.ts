/**
 * Raised hands in a live room: anyone raises or lowers their own; the host, the presenter of the current agenda
 * item or the presenter of the shared viewer lowers anyone's. Everyone in the room sees each change
 * (`handChanged`). The hands live with the room on the node that holds it, in the order they went up; a peer
 * that leaves takes its hand with it.
 */
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { forbidden, notFound } from '../errors';
import type { Room } from '../sfu/Room';
import * as q from './queries';
import { isHost, visibleRound } from './service';

const hands = new WeakMap<Room, string[]>();

/** Peers of the room whose hand is up, oldest first (a peer no longer in the room is dropped). */
export function handsRaised(room: Room): string[] {
  const up = (hands.get(room) ?? []).filter((id) => room.peers.has(id));
  hands.set(room, up);
  return up;
}

function set(room: Room, peerId: string, raised: boolean, by: string | null): void {
  const up = handsRaised(room).filter((id) => id !== peerId);
  const was = hands.get(room)!.includes(peerId);
  hands.set(room, raised ? [...up, peerId] : up);
  if (was !== raised) room.broadcast({ name: 'handChanged', data: { peerId, raised, by } });
}

/** The peer raises or lowers its own hand. */
export function raiseHand(room: Room, peerId: string, raised: boolean): void {
  set(room, peerId, raised, null);
}

/** Who may lower others' hands: the host, the current agenda item's presenter, the viewer's presenter. */
async function mayLower(db: DB, actor: Actor, roundId: string, viewerPresenter: string | null) {
  const round = await visibleRound(db, actor, roundId);
  if (isHost(actor, round) || viewerPresenter === actor.id) return true;
  const item = (await q.agenda(db, roundId)).find((a) => a.id === round.current_agenda_item_id);
  return item?.presenter_id === actor.id;
}

/** Lower someone's hand (one's own needs no right). */
export async function lowerHand(
  db: DB,
  actor: Actor,
  room: Room,
  peerId: string,
  viewerPresenter: () => Promise<string | null>,
): Promise<void> {
  if (!room.peers.has(peerId)) throw notFound('participant');
  if (peerId !== actor.id && !(await mayLower(db, actor, room.roundId, await viewerPresenter())))
    throw forbidden('only the host or the presenter lowers a hand');
  set(room, peerId, false, peerId === actor.id ? null : actor.id);
}
