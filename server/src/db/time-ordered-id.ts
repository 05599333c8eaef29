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
  const b = crypto.randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
