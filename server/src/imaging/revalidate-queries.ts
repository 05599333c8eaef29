/** Re-validation's SQL (revalidate.ts): instances an older scan checked, and the current scan's result. */
import type { Updateable } from 'kysely';
import type { Database, Executor } from '../db/database';
import { FRAME_COLUMNS } from './queries';

/** Up to `limit` instances checked by a scan older than `scanVersion`, in id order. */
export function instancesScannedBefore(db: Executor, scanVersion: number, limit: number) {
  return db
    .selectFrom('imaging_instances')
    .select(FRAME_COLUMNS)
    .where('scan_version', '<', scanVersion)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Store what the scan found of an instance: its counts and frame index, or its quarantine reason. */
export async function saveScan(
  db: Executor,
  id: string,
  scan: Updateable<Database['imaging_instances']>,
): Promise<void> {
  await db.updateTable('imaging_instances').set(scan).where('id', '=', id).execute();
}
