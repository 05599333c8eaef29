import path from 'node:path';
import type { Config } from '../config';
import { storageDirOf } from '../ops-config';
import { openStore } from '../storage';

/**
 * Where ffmpeg writes a recording while the round records: node-local work space (DATA_DIR/work/recordings), with
 * its parts and SDP files. A finished recording moves into the platform storage (`storeRecording`), where every
 * node serves it from.
 */
export const recordingPath = (config: Config, roundId: string, recordingId: string) =>
  path.join(config.dataDir, 'work', 'recordings', roundId, `${recordingId}.webm`);

/** The rounds capability's files: the `recordings` namespace of the platform storage. */
export const recordingStore = (config: Config) => openStore(storageDirOf(config), 'recordings');

export const recordingKey = (roundId: string, fileName: string) => `${roundId}/${fileName}`;

/** Move a finished recording from this node's work space into storage. */
export async function storeRecording(config: Config, roundId: string, recordingId: string): Promise<void> {
  const file = recordingPath(config, roundId, recordingId);
  await recordingStore(config).importFile(file, recordingKey(roundId, path.basename(file)));
}

/** Pending recordings on this node: resolved once ffmpeg has finished and the row is updated. */
export const finishing = new Map<string, Promise<void>>();

export async function waitForRecordings(): Promise<void> {
  await Promise.all(finishing.values());
}
