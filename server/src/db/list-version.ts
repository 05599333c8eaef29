/**
 * What this process knows, without asking the database, of the consultation list's data version (`list_version.v`,
 * moved and announced on channel `consult_list` by migration 2026_12_08_0100_list_version_notify), and a fence that
 * moves whenever this process itself changes data. A list page read at version `v` under fence `f` is still the
 * page the database would answer while the version heard is `v` and the fence is `f` (consultations/list-page-cache.ts).
 *
 * - Known only while listening: before the first `ready`, after a lost connection, and until the version is read
 *   again after it, `current()` is null and nothing is answered from memory.
 * - Other processes' and background writes reach the cache through the announcement, at their commit, a few
 *   milliseconds later. This process's own requests must not wait for that: every request that may change data
 *   moves the fence when it starts and when it has been answered (app.ts), so whoever sent it reads fresh data next.
 * One instance per database handle, shared by the apps built on it (tests build several), closed with the last.
 */
import { sql } from 'kysely';
import type { DB } from './database';
import { listenOf } from './connect';

const CHANNEL = 'consult_list';

export class ListVersion {
  static readonly #byDb = new WeakMap<DB, ListVersion>();
  /** The instance of `db`, if one was started (else nothing is ever known about it). */
  static of(db: DB): ListVersion | undefined {
    return ListVersion.#byDb.get(db);
  }

  /** Start listening for `db` (or join the instance already listening). */
  static async start(db: DB): Promise<ListVersion> {
    let lv = ListVersion.#byDb.get(db);
    if (!lv) {
      const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
      lv = new ListVersion(db, rows[0]?.s ?? 'public');
      ListVersion.#byDb.set(db, lv);
    }
    lv.#users++;
    return lv;
  }

  readonly #db: DB;
  readonly #schema: string;
  readonly #closing: { close(): Promise<void> } | null;
  #users = 0;
  #latest: bigint | null = null;
  /** The highest version heard since the last `ready` (a read of the version may finish after newer news). */
  #heard: bigint | null = null;
  /** Moves on every `ready` and `lost`: a read of the version started before answers nothing. */
  #gen = 0;
  #fence = 0;

  private constructor(db: DB, schema: string) {
    this.#db = db;
    this.#schema = schema;
    const listen = listenOf(db);
    this.#closing = listen
      ? listen(CHANNEL, {
          ready: () => void this.#readVersion(),
          message: (payload) => this.#heardVersion(payload),
          lost: () => {
            this.#gen++;
            this.#latest = null;
            this.#fence++;
          },
        })
      : null;
  }

  /** The version a kept page must have been read at to be answered now; null when not known. */
  current(): string | null {
    return this.#latest === null ? null : String(this.#latest);
  }

  /** Taken before a read: the page read is answered from memory later only while this is unchanged. */
  fence(): number {
    return this.#fence;
  }

  /** This process is changing (or has changed) data: pages read before now are not answered from memory. */
  localWrite(): void {
    this.#fence++;
  }

  async stop(): Promise<void> {
    if (--this.#users > 0) return;
    ListVersion.#byDb.delete(this.#db);
    this.#latest = null;
    await this.#closing?.close();
  }

  async #readVersion(): Promise<void> {
    const gen = ++this.#gen;
    this.#latest = null;
    this.#heard = null;
    this.#fence++;
    try {
      const { rows } = await sql<{ v: string }>`select v::text as v from list_version where id = 1`.execute(
        this.#db,
      );
      if (rows[0] && gen === this.#gen) this.#latest = max(BigInt(rows[0].v), this.#heard);
    } catch {
      // Unknown until the next `ready`: nothing is answered from memory meanwhile.
    }
  }

  #heardVersion(payload: string): void {
    const [schema, text] = payload.split(' ');
    if (schema !== this.#schema || !text || !/^\d+$/.test(text)) return;
    const v = BigInt(text);
    this.#heard = max(v, this.#heard);
    if (this.#latest !== null) this.#latest = max(v, this.#latest);
  }
}

const max = (a: bigint, b: bigint | null): bigint => (b !== null && b > a ? b : a);
