/**
 * Deployment keys come from the environment or the database, never from one node's disk, so every node of a
 * deployment (and a node started on an empty DATA_DIR) signs and verifies with the same keys:
 *   1. the environment's value when the operator gives one (AUDIT_CHECKPOINT_KEY, REPORT_SIGNING_KEY), else
 *   2. the deployment_keys row, else
 *   3. a key file of an older single-node release (DATA_DIR/keys/<file>) imported into the row, else
 *   4. a new key, inserted with ON CONFLICT DO NOTHING: when nodes start together exactly one key wins and every
 *      node reads that one back.
 * Private material is sealed with SECRETS_KEY when set (seal.ts); a row stored before SECRETS_KEY was set is sealed
 * on the next start that has it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Executor } from '../db/database';
import * as q from './queries';
import { isSealed, SecretsError, sealer } from './seal';

export interface KeySource {
  dataDir: string;
  secretsKey: string | null;
}

export interface KeySpec {
  /** Row name. */
  name: string;
  /** File name under DATA_DIR/keys of the release that kept keys on disk. */
  legacyFile: string;
  /** A new key's material (text); absent → no key is created (a verifier only reads). */
  create?: () => string;
}

const place = (name: string) => `deployment key ${name}`;

/** The deployment key `spec.name` as text, or null when there is none and `spec.create` is absent. */
export async function deploymentKey(db: Executor, src: KeySource, spec: KeySpec): Promise<string | null> {
  const s = sealer(src.secretsKey);
  let stored = await q.keyMaterial(db, spec.name);
  if (stored === null) {
    const legacy = path.join(src.dataDir, 'keys', spec.legacyFile);
    const material = fs.existsSync(legacy) ? fs.readFileSync(legacy, 'utf8') : (spec.create?.() ?? null);
    if (material === null) return null;
    await q.insertKeyIfAbsent(db, spec.name, s.seal(material, place(spec.name)));
    stored = await q.keyMaterial(db, spec.name);
    if (stored === null) throw new SecretsError(`deployment key ${spec.name} vanished while it was created`);
  }
  const plain = s.open(stored, place(spec.name));
  if (s.active && !isSealed(stored))
    await q.resealKey(db, spec.name, stored, s.seal(plain, place(spec.name)));
  return plain;
}
