/**
 * Saved marks of a study, for the round viewer: when a study opens in a round, the marks already stored for it
 * (drawn in the standalone viewer or an earlier round; the one annotation model) join the round's state, placed
 * on the image stack the viewers show. Everyone who may view the study sees them (others get `withheld`); only
 * their authors may change them (the reducer's and the store's author rule).
 */
import { authorColor, SYNC_TOOLS, type SyncAnnotation, type SyncTool } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { listAnnotations } from '../imaging/annotations';
import { listInstances } from '../imaging/queries';
import type { BlobStore } from '../imaging/storage';
import { firstVisibleStudy } from './queries';

/** Stack positions as the viewers build them: image instances by instance number, frames expanded. */
function stackIndex(instances: { sop_uid: string; frames: number; instance_number: number | null }[]) {
  const index = new Map<string, number>();
  let n = 0;
  const sorted = instances
    .filter((i) => i.frames > 0)
    .sort((a, b) => (a.instance_number ?? 0) - (b.instance_number ?? 0));
  for (const i of sorted) for (let f = 0; f < i.frames; f++) index.set(`${i.sop_uid}/${f}`, n++);
  return index;
}

/** The stored marks of the study `studyUid` that `actor` may view, as round annotations. */
export async function savedMarks(
  db: DB,
  store: BlobStore,
  actor: Actor,
  studyUid: string,
): Promise<SyncAnnotation[]> {
  const study = await firstVisibleStudy(db, actor, studyUid);
  if (!study) return [];
  const marks = (await listAnnotations(db, store, actor, study.id)).filter((a) =>
    (SYNC_TOOLS as readonly string[]).includes(a.tool),
  );
  if (!marks.length) return [];
  const stacks = new Map<string, Map<string, number>>();
  for (const seriesUid of new Set(marks.map((a) => a.seriesInstanceUid)))
    stacks.set(seriesUid, stackIndex(await listInstances(db, study.id, { seriesUid })));
  return marks.flatMap((a): SyncAnnotation[] => {
    const imageIndex = stacks.get(a.seriesInstanceUid)?.get(`${a.sopInstanceUid}/${a.frame}`);
    if (imageIndex === undefined) return [];
    return [
      {
        id: a.id,
        target: {
          studyUid,
          seriesUid: a.seriesInstanceUid,
          sopInstanceUid: a.sopInstanceUid,
          frame: a.frame,
          imageIndex,
        },
        tool: a.tool as SyncTool,
        data: { points: a.points, ...(a.text ? { text: a.text } : {}), measurements: a.measurements },
        authorId: a.authorId,
        authorName: a.authorName,
        color: authorColor(a.authorId),
        storeId: a.id,
        version: a.version,
      },
    ];
  });
}
