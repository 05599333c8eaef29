/**
 * The audit chain's signed head checkpoint. Each row's hash covers the row before it, so editing or removing a row
 * in the middle breaks the chain — but deleting the LAST rows leaves a shorter chain that is still valid. Every
 * append therefore also rewrites one checkpoint row (`audit_checkpoint`, kept apart from `audit_events`) holding
 * the head's seq and hash and an HMAC-SHA256 over them; the verifier reports a chain that ends before the signed
 * head. Forging a checkpoint needs the key, which is not readable from the rows it signs:
 *   - AUDIT_CHECKPOINT_KEY (environment), else
 *   - the deployment_keys row `audit-checkpoint` (secrets/deployment-keys.ts: created by the first node that
 *     starts, the same for every node; sealed with SECRETS_KEY when set, which is what then keeps it from someone
 *     holding only the database; an older release's DATA_DIR/keys/audit-checkpoint.key is imported once).
 * Someone with write access to the database alone can still put back an OLDER checkpoint they copied earlier;
 * catching that needs the head kept outside the database as well (e.g. shipped to a log host).
 */
import crypto from 'node:crypto';
import type { Executor } from '../db/database';
import { deploymentKey, type KeySource } from '../secrets/deployment-keys';

export const CHECKPOINT_KEY_FILE = 'audit-checkpoint.key';

let key: Buffer | null = null;

/** The deployment's key: the environment's when given, else the deployment's row (created when absent). */
export async function loadCheckpointKey(
  db: Executor,
  opts: KeySource & { auditCheckpointKey: string | null },
): Promise<Buffer> {
  if (opts.auditCheckpointKey) return Buffer.from(opts.auditCheckpointKey, 'utf8');
  const material = await deploymentKey(db, opts, {
    name: 'audit-checkpoint',
    legacyFile: CHECKPOINT_KEY_FILE,
    create: () => crypto.randomBytes(32).toString('hex'),
  });
  return Buffer.from(material!.trim(), 'utf8');
}

/** Set the key this process signs and checks checkpoints with (the server at start; the CLIs). */
export function useCheckpointKey(k: Buffer): void {
  key = k;
}

function currentKey(): Buffer {
  if (!key) throw new Error('the audit checkpoint key is not configured (useCheckpointKey)');
  return key;
}

export function signHead(seq: number, hash: string): string {
  return crypto.createHmac('sha256', currentKey()).update(`audit-head\n${seq}\n${hash}`).digest('hex');
}

export function headSignatureValid(seq: number, hash: string, signature: string): boolean {
  const expect = Buffer.from(signHead(seq, hash), 'hex');
  const got = Buffer.from(signature, 'hex');
  return got.length === expect.length && crypto.timingSafeEqual(got, expect);
}
