import crypto from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562 §5.7): the first 48 bits are the Unix time in milliseconds, the rest random (74 bits
 * after the version and variant). Rows keyed by it are inserted at the right-hand edge of their primary key's
 * B-tree and of every index on a foreign key to them, instead of at a random leaf: in a large archive, an insert
 * then touches pages already in memory (and already in the WAL since the last checkpoint) rather than a random page
 * of an index larger than the buffer cache. Used for rows written in bulk (the imaging index). It tells when the
 * row was made, which its created_at column says anyway; access never rests on an id being unguessable.
 */
export function timeOrderedId(now = Date.now()): string {
  // A version-4 UUID from Node's pool of random bytes (no call into OpenSSL per id), its first 48 bits replaced by
  // the time and its version by 7: its variant bits are where version 7 has them, and 74 random bits remain.
  const r = crypto.randomUUID();
  const t = now.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(15)}`;
}
