/**
 * The audit chain's signed head checkpoint. Each row's hash covers the row before it, so editing or removing a row
 * in the middle breaks the chain — but deleting the LAST rows leaves a shorter chain that is still valid. Every
 * append therefore also rewrites one checkpoint row (`audit_checkpoint`, kept apart from `audit_events`) holding
 * the head's seq and hash and an HMAC-SHA256 over them; the verifier reports a chain that ends before the signed
 * head. Forging a checkpoint needs the key, which is NOT in the database:
 *   - AUDIT_CHECKPOINT_KEY (environment; required when several server nodes share one database), else
 *   - DATA_DIR/keys/audit-checkpoint.key (32 random bytes, hex, created 0600 on first start).
 * Someone with write access to the database alone can still put back an OLDER checkpoint they copied earlier;
 * catching that needs the head kept outside the database as well (e.g. shipped to a log host).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const CHECKPOINT_KEY_FILE = 'audit-checkpoint.key';

let key: Buffer | null = null;

/** The deployment's key: the environment's when given, else the key file in DATA_DIR/keys (created when absent). */
export function loadCheckpointKey(opts: { dataDir: string; auditCheckpointKey: string | null }): Buffer {
  if (opts.auditCheckpointKey) return Buffer.from(opts.auditCheckpointKey, 'utf8');
  const dir = path.join(opts.dataDir, 'keys');
  const file = path.join(dir, CHECKPOINT_KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // 'wx': never overwrite a key another process created a moment ago.
      fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
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
