import path from 'node:path';
import type { Config } from '../config';

export const recordingPath = (config: Config, roundId: string, recordingId: string) =>
  path.join(config.dataDir, 'recordings', roundId, `${recordingId}.webm`);

/** Pending recordings on this node: resolved once ffmpeg has finished and the row is updated. */
export const finishing = new Map<string, Promise<void>>();

export async function waitForRecordings(): Promise<void> {
  await Promise.all(finishing.values());
}
