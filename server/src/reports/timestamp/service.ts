/**
 * Trusted time for report signatures (RFC 3161). With TSA_URL set, every signed version gets a 'pending' row in the
 * signing transaction (so it is never lost), and the signing request then asks the TSA once; a TSA that is down or
 * answers wrongly leaves the row pending and the background retrier (TimestampRetrier) asks again with doubling
 * delays until it is granted or TSA_MAX_ATTEMPTS run out ('failed'). The token stamps the version's signature
 * bytes; verification re-checks it against them. Without TSA_URL versions have no row: "no trusted timestamp".
 */
import type { ReportTimestamp } from '@consult/shared';
import type { Executor } from '../../db/database';
import type { ReportTrustConfig } from '../../report-trust-config';
import { requestTimestamp, type TsaEndpoint } from './client';
import { loadTrust, type TsaTrust } from './trust';
import { TimestampError, verifyToken, type VerifiedToken } from './tsp';
import * as q from './queries';
import type { ReportTimestampRow } from './tables';

const MAX_DELAY_MS = 6 * 3600_000;
const CLAIM_BATCH = 20;

export interface TimestampSettings {
  /** Null: no TSA configured. */
  endpoint: TsaEndpoint | null;
  /** Trust for re-checking stored tokens (also without a TSA configured now). */
  trust: TsaTrust;
  retrySeconds: number;
  maxAttempts: number;
}

export function timestampSettings(c: ReportTrustConfig): TimestampSettings {
  const trust = loadTrust(c.tsaCaCert);
  return {
    endpoint: c.tsaUrl ? { url: c.tsaUrl, trust, timeoutMs: c.tsaTimeoutMs } : null,
    trust,
    retrySeconds: c.tsaRetrySeconds,
    maxAttempts: c.tsaMaxAttempts,
  };
}

/** What the report signature's imprint is computed over: the signature bytes as stored (base64). */
export const signatureBytes = (signatureB64: string) => Buffer.from(signatureB64, 'base64');

/** How long a claim keeps others off a row: the request's timeout and some slack. */
const claimMs = (s: TimestampSettings) => (s.endpoint?.timeoutMs ?? 0) + 30_000;

/** In the signing transaction: the version waits for its token (claimed by this request, which asks next). */
export async function reserve(db: Executor, s: TimestampSettings, key: q.VersionKey): Promise<void> {
  if (!s.endpoint) return;
  await q.insertPending(db, key, s.endpoint.url, new Date(Date.now() + claimMs(s)));
}

/** Ask the TSA for one claimed version and store the outcome. Never throws for a TSA problem (only the database's). */
export async function attempt(
  db: Executor,
  s: TimestampSettings,
  key: q.VersionKey,
  signatureB64: string,
  attemptsBefore: number,
): Promise<void> {
  if (!s.endpoint) return;
  let v: VerifiedToken;
  try {
    v = await requestTimestamp(s.endpoint, signatureBytes(signatureB64));
  } catch (e) {
    // Whatever went wrong with the TSA or its answer (a TimestampError, or an answer too malformed to parse).
    const message = e instanceof TimestampError ? e.message : `unusable answer from the TSA: ${String(e)}`;
    const attempts = attemptsBefore + 1;
    const delay = Math.min(s.retrySeconds * 1000 * 2 ** (attempts - 1), MAX_DELAY_MS);
    const next =
      attempts >= s.maxAttempts ? null : new Date(Date.now() + (s.retrySeconds > 0 ? delay : MAX_DELAY_MS));
    await q.markAttemptFailed(db, key, message, next);
    return;
  }
  await q.markGranted(db, key, { tsaUrl: s.endpoint.url, ...v });
}

/** One pass of the retrier: every due pending version, claimed, asked once. */
export async function retryDue(db: Executor, s: TimestampSettings): Promise<number> {
  if (!s.endpoint) return 0;
  const now = new Date();
  const due = await q.claimDue(db, now, new Date(now.getTime() + claimMs(s)), CLAIM_BATCH);
  for (const d of due) await attempt(db, s, d, d.signature, d.attempts);
  return due.length;
}

/**
 * The background retry: one pass every TSA_RETRY_SECONDS (at most every 30 s, at least every second), one pass at
 * a time; stopped with the server. TSA_RETRY_SECONDS=0 or no TSA: it does not run.
 */
export class TimestampRetrier {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  constructor(
    private readonly db: Executor,
    private readonly s: TimestampSettings,
    private readonly log: (e: unknown) => void,
  ) {}

  start(): void {
    if (!this.s.endpoint || this.s.retrySeconds === 0) return;
    const every = Math.min(Math.max(this.s.retrySeconds, 1), 30) * 1000;
    const tick = () => {
      this.#running = retryDue(this.db, this.s)
        .then(
          () => undefined,
          (e: unknown) => this.log(e),
        )
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) this.#timer = setTimeout(tick, every).unref();
        });
    };
    this.#timer = setTimeout(tick, every).unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}

const NONE: ReportTimestamp = { status: 'none', time: null, tsa: null, error: null };

export function toTimestamp(row: ReportTimestampRow | undefined): ReportTimestamp {
  if (!row) return NONE;
  return {
    status: row.status,
    time: row.gen_time ? row.gen_time.toISOString() : null,
    tsa: row.tsa_subject,
    error: row.status === 'granted' ? null : row.last_error,
  };
}

/** The time-stamp state of every version of a report, by version. */
export async function timestampsOf(db: Executor, reportId: string): Promise<Map<number, ReportTimestamp>> {
  const rows = await q.listForReport(db, reportId);
  return new Map(rows.map((r) => [r.version, toTimestamp(r)]));
}

/**
 * Re-check the stored tokens of a report against the versions' signatures: the state of each, and for a granted
 * one whose token no longer verifies (or stamps other bytes), why.
 */
export async function recheck(
  db: Executor,
  s: Pick<TimestampSettings, 'trust'>,
  reportId: string,
  signatures: Map<number, string>,
): Promise<Map<number, { timestamp: ReportTimestamp; failure: string | null }>> {
  const rows = await q.listForReport(db, reportId);
  const out = new Map<number, { timestamp: ReportTimestamp; failure: string | null }>();
  for (const row of rows) {
    const timestamp = toTimestamp(row);
    let failure: string | null = null;
    if (row.status === 'granted') {
      const sig = signatures.get(row.version);
      try {
        const token = Buffer.from(row.token!);
        const v = verifyToken(token, signatureBytes(sig ?? ''), s.trust);
        if (v.genTime.getTime() !== row.gen_time!.getTime()) failure = 'stored time differs from the token';
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
      }
    }
    out.set(row.version, { timestamp, failure });
  }
  return out;
}
