import type { SyncStudy } from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { roundStudyUids } from './access';
import { visibleStudiesByUid } from './queries';

/**
 * The round's studies that `actor` may view (the access policy): a participant outside the care team sees none
 * of a case whose hospital did not consent to teaching use — not even its UIDs.
 */
export async function roundStudies(db: Executor, roundId: string, actor: Actor): Promise<SyncStudy[]> {
  const uids = await roundStudyUids(db, roundId);
  if (!uids.length) return [];
  const rows = await visibleStudiesByUid(db, actor, uids);
  return uids.flatMap((uid) => {
    const r = rows.find((x) => x.study_uid === uid);
    return r ? [{ studyUid: uid, studyId: r.id, description: r.study_description }] : [];
  });
}

/** The room of a round's participants who may not view `studyUid`: they get `withheld` for its operations. */
export const withheldRoom = (roundId: string, studyUid: string) => `sync:${roundId}:withheld:${studyUid}`;

/** The round's studies `actor` may not view, and the studies they may (as `roundStudies` lists them). */
export async function studyAccess(
  db: Executor,
  roundId: string,
  actor: Actor,
): Promise<{ visible: SyncStudy[]; denied: Set<string> }> {
  const visible = await roundStudies(db, roundId, actor);
  const seen = new Set(visible.map((v) => v.studyUid));
  const denied = new Set((await roundStudyUids(db, roundId)).filter((u) => !seen.has(u)));
  return { visible, denied };
}

/** Rooms to join and to leave so that the socket is in exactly the withheld rooms of `denied`. */
export function withheldRooms(rooms: Iterable<string>, roundId: string, denied: Set<string>) {
  const prefix = `sync:${roundId}:withheld:`;
  const now = [...rooms].filter((r) => r.startsWith(prefix));
  const want = [...denied].map((u) => withheldRoom(roundId, u));
  return { join: want.filter((r) => !now.includes(r)), leave: now.filter((r) => !want.includes(r)) };
}
