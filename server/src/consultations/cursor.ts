/**
 * The consultation list's keyset cursor: the sort key of the last row of a page, opaque to clients (base64url of
 * a small JSON array). Timestamps travel as ISO strings with microseconds, so rows sharing a millisecond are
 * neither skipped nor repeated. A cursor names its order: one from another view's list is refused (400 `cursor`).
 */
import { badRequest } from '../errors';

/** recent: updated_at desc, id desc. queue: urgency rank, SLA due (none = last), id. */
export type ListOrder = 'recent' | 'queue';

export type CursorKey =
  | { order: 'recent'; updatedAt: string; id: string }
  | { order: 'queue'; rank: number; due: string | null; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(k: CursorKey): string {
  const parts = k.order === 'recent' ? ['r', k.updatedAt, k.id] : ['q', k.rank, k.due, k.id];
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(text: string, order: ListOrder): CursorKey {
  const bad = () => badRequest(`cursor is not a next-page cursor of this list (${order} order)`, 'cursor');
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parts)) throw bad();
  const [tag, a, b, c] = parts as unknown[];
  if (order === 'recent' && tag === 'r' && parts.length === 3) {
    if (typeof a === 'string' && TS.test(a) && typeof b === 'string' && UUID.test(b))
      return { order, updatedAt: a, id: b };
  }
  if (order === 'queue' && tag === 'q' && parts.length === 4) {
    const dueOk = b === null || (typeof b === 'string' && TS.test(b));
    if ((a === 0 || a === 1 || a === 2) && dueOk && typeof c === 'string' && UUID.test(c))
      return { order, rank: a, due: b as string | null, id: c };
  }
  throw bad();
}
