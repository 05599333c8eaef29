/**
 * Secrets at rest in the database (deployment private keys, TOTP secrets), sealed with the master key SECRETS_KEY
 * when it is set: AES-256-GCM under a key derived from it (HKDF-SHA256), a random 96-bit IV per value, and the
 * value's place (e.g. `totp:<user id>`) as additional data, so a sealed value copied into another row does not
 * open. Stored form: `sealed:v1:<iv>:<tag>:<ciphertext>` (base64url). Without SECRETS_KEY values are stored as
 * they are (and sealed at the next start that has the key).
 *
 * What it protects: a copy of the database (a dump, a backup archive, a replica, a stolen disk of the database
 * server) without the environment of the application nodes. It does not protect against someone who can read a
 * node's environment or memory.
 */
import crypto from 'node:crypto';

const PREFIX = 'sealed:v1:';

/** A sealed value the configuration cannot open: a startup fault the operator must fix. */
export class SecretsError extends Error {
  override name = 'SecretsError';
}

export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX);

const derived = new Map<string, Buffer>();
function keyOf(secretsKey: string): Buffer {
  let k = derived.get(secretsKey);
  if (!k) {
    k = Buffer.from(crypto.hkdfSync('sha256', secretsKey, 'consult-platform', 'secrets-at-rest v1', 32));
    derived.set(secretsKey, k);
  }
  return k;
}

export interface Sealer {
  /** Whether values are sealed (SECRETS_KEY set). */
  readonly active: boolean;
  seal(plain: string, place: string): string;
  /** The plain value of a stored one (sealed or not). */
  open(stored: string, place: string): string;
}

export function sealer(secretsKey: string | null): Sealer {
  return {
    active: secretsKey !== null,
    seal(plain, place) {
      if (!secretsKey) return plain;
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', keyOf(secretsKey), iv);
      c.setAAD(Buffer.from(place, 'utf8'));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `${PREFIX}${[iv, c.getAuthTag(), ct].map((b) => b.toString('base64url')).join(':')}`;
    },
    open(stored, place) {
      if (!isSealed(stored)) return stored;
      if (!secretsKey)
        throw new SecretsError(`${place} is sealed in the database: set SECRETS_KEY to open it`);
      const [iv, tag, ct] = stored
        .slice(PREFIX.length)
        .split(':')
        .map((p) => Buffer.from(p, 'base64url'));
      try {
        const d = crypto.createDecipheriv('aes-256-gcm', keyOf(secretsKey), iv!);
        d.setAAD(Buffer.from(place, 'utf8'));
        d.setAuthTag(tag!);
        return Buffer.concat([d.update(ct!), d.final()]).toString('utf8');
      } catch {
        throw new SecretsError(
          `SECRETS_KEY does not open ${place} (another key sealed it, or it was altered)`,
        );
      }
    },
  };
}

let processSealer: Sealer = sealer(null);

/** Set the master key this process seals and opens secrets with (the server at start; the CLIs). */
export function useSecretsKey(secretsKey: string | null): void {
  processSealer = sealer(secretsKey);
}

/** The process's sealer (SECRETS_KEY as set by useSecretsKey). */
export const secretsAtRest = (): Sealer => processSealer;
