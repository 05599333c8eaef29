/**
 * Opening the platform's storage: STORAGE_DIR (a directory every node of a deployment mounts; default DATA_DIR,
 * see storage/config.ts) with one namespace per capability. Only the filesystem driver exists: no S3-compatible
 * server installs on this platform's build hosts (see README, "Storage").
 */
import { FsObjectStore } from './fs-store';

export type { ObjectStat, ObjectStore, TempObject } from './types';
export { contentKey } from './types';
export { FsObjectStore } from './fs-store';
export { KeptDescriptors } from './kept-descriptors';

/** The namespaces, one per capability that stores files. */
export type Namespace = 'imaging' | 'attachments' | 'recordings' | 'reports';

export const NAMESPACES: readonly Namespace[] = ['imaging', 'attachments', 'recordings', 'reports'];

const opened = new Map<string, FsObjectStore>();

/** One capability's store in the deployment's storage directory (opened once per process). */
export function openStore(storageDir: string, namespace: Namespace): FsObjectStore {
  const id = `${storageDir}\0${namespace}`;
  let store = opened.get(id);
  if (!store) opened.set(id, (store = new FsObjectStore(storageDir, namespace)));
  return store;
}
