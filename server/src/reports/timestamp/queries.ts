/** Report time-stamp queries (report_timestamps): `db | trx` first. */
import { sql } from 'kysely';
import type { Executor } from '../../db/database';
import type { ReportTimestampRow } from './tables';

export interface VersionKey {
  report_id: string;
  version: number;
}

/** A version waiting for its token, claimed by the caller until `claimedUntil` (it tries right away). */
export const insertPending = (db: Executor, key: VersionKey, tsaUrl: string, claimedUntil: Date) =>
  db
    .insertInto('report_timestamps')
    .values({ ...key, status: 'pending', tsa_url: tsaUrl, next_attempt_at: claimedUntil })
    .execute();

/**
 * Claim up to `limit` pending versions that are due: their next attempt moves to `claimedUntil`, so another node
 * (or the next tick) leaves them alone while this one asks the TSA. SKIP LOCKED: concurrent claimers never wait.
 */
export async function claimDue(
  db: Executor,
  now: Date,
  claimedUntil: Date,
  limit: number,
): Promise<(VersionKey & { attempts: number; signature: string })[]> {
  const res = await sql<VersionKey & { attempts: number; signature: string }>`
    with due as (
      select report_id, version from report_timestamps
      where status = 'pending' and next_attempt_at <= ${now}
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    )
    update report_timestamps t set next_attempt_at = ${claimedUntil}, updated_at = now()
    from due, report_versions v
    where t.report_id = due.report_id and t.version = due.version
      and v.report_id = t.report_id and v.version = t.version
    returning t.report_id, t.version, t.attempts, v.signature`.execute(db);
  return res.rows;
}

export const markGranted = (
  db: Executor,
  key: VersionKey,
  v: { tsaUrl: string; token: Buffer; genTime: Date; tsaSubject: string },
) =>
  db
    .updateTable('report_timestamps')
    .set((eb) => ({
      status: 'granted',
      tsa_url: v.tsaUrl,
      token: v.token,
      gen_time: v.genTime,
      tsa_subject: v.tsaSubject,
      attempts: eb('attempts', '+', 1),
      last_error: null,
      updated_at: new Date(),
    }))
    .where('report_id', '=', key.report_id)
    .where('version', '=', key.version)
    .where('status', '=', 'pending')
    .execute();

/** One more failed attempt: retried at `nextAttemptAt`, or 'failed' when null (attempts exhausted). */
export const markAttemptFailed = (db: Executor, key: VersionKey, error: string, nextAttemptAt: Date | null) =>
  db
    .updateTable('report_timestamps')
    .set((eb) => ({
      status: nextAttemptAt ? 'pending' : 'failed',
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 1000),
      ...(nextAttemptAt && { next_attempt_at: nextAttemptAt }),
      updated_at: new Date(),
    }))
    .where('report_id', '=', key.report_id)
    .where('version', '=', key.version)
    .where('status', '=', 'pending')
    .execute();

export const listForReport = (db: Executor, reportId: string): Promise<ReportTimestampRow[]> =>
  db
    .selectFrom('report_timestamps')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('version')
    .execute();
