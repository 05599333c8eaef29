/** GET /api/consultations: one keyset page of the visible requests (SQL in list-queries.ts). */
import { CONSULTATION_COUNT_CAP, type ConsultationPage, type ConsultationQuery } from '@consult/shared';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { badRequest } from '../errors';
import { auditRead } from './read-audit';
import * as list from './list-queries';
import { decodeCursor, encodeCursor, type CursorKey } from './cursor';
import { toSummary } from './summary';
import { countAt, keepCount, keptCount } from './list-count-cache';
import { keepPage, keptPage, readFence } from './list-page-cache';

/**
 * One page of the visible requests, keyset-paginated (`cursor` = the previous page's `nextCursor`), with a count
 * capped at CONSULTATION_COUNT_CAP. Offsets are gone: a deep offset reads and discards every row before it.
 */
export async function listConsultations(
  db: DB,
  actor: Actor,
  query: ConsultationQuery & { offset?: unknown },
): Promise<ConsultationPage> {
  if (query.offset !== undefined)
    throw badRequest("offset is not supported: pass the previous page's nextCursor as cursor", 'offset');
  const order = list.orderOf(query);
  const cursor = query.cursor ? decodeCursor(query.cursor, order) : null;
  const limit = query.limit ?? 50;
  const key = list.countKey(actor, query);
  const { rows, count: counted } = await readPage(db, actor, query, key, cursor, limit);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor(
          order === 'recent'
            ? { order, updatedAt: last.key_updated_at, id: last.id }
            : { order, rank: Number(last.key_rank), due: last.key_due, id: last.id },
        )
      : null;
  auditRead(db, {
    actor,
    action: 'consultation.list',
    entityType: 'consultation',
    ip: actor.ip,
    detail: { view: query.view ?? 'all', count: page.length },
  });
  return {
    items: page.map(toSummary),
    total: Math.min(counted, CONSULTATION_COUNT_CAP),
    totalCapped: counted > CONSULTATION_COUNT_CAP,
    nextCursor,
  };
}

/** The page's rows (limit + 1) and capped count: the kept ones while current (list-page-cache.ts), else read. */
async function readPage(
  db: DB,
  actor: Actor,
  query: ConsultationQuery,
  key: string,
  cursor: CursorKey | null,
  limit: number,
): Promise<{ rows: list.PageRow[]; count: number }> {
  const pageKey = `${key}|${query.cursor ?? ''}|${limit}`;
  const kept = keptPage(db, pageKey);
  if (kept) return kept;
  const fence = readFence(db);
  const rows = await list.listPage(db, actor, query, cursor, limit, !keptCount(db, key));
  const count = await pageCount(db, actor, query, key, rows[0]);
  if (rows[0]) keepPage(db, pageKey, fence, rows[0].data_version, rows, count);
  return { rows, count };
}

/**
 * The page's capped count: the one its statement counted, or the kept one when the page's snapshot saw the data
 * version it was counted at, or (a kept count gone stale, or a page with no row to carry the version) counted now.
 */
async function pageCount(
  db: DB,
  actor: Actor,
  query: ConsultationQuery,
  key: string,
  row: list.PageRow | undefined,
): Promise<number> {
  if (row?.total_count != null) {
    keepCount(db, key, row.data_version, Number(row.total_count));
    return Number(row.total_count);
  }
  const known = row ? countAt(db, key, row.data_version) : undefined;
  if (known !== undefined) return known;
  const { count, version } = await list.countCapped(db, actor, query);
  keepCount(db, key, version, count);
  return count;
}
