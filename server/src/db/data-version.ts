/**
 * What this process knows, without asking the database, of a data version, and a fence that moves whenever this
 * process itself changes data. Two versions are kept this way, each a one-row table moved and announced (NOTIFY
 * `<schema> <v>`, delivered at commit) by triggers:
 * - `list`: the consultation list's rows (`list_version`, channel `consult_list`, migrations 2026_12_06_0100 and
 *   2026_12_08_0100): a list page read at version `v` under fence `f` is still the page the database would answer
 *   while the version heard is `v` and the fence is `f` (consultations/list-page-cache.ts).
 * - `auth`: sessions and their users (`auth_version`, channel `consult_auth`, migration 2026_12_09_0100): a session
 *   read at `v` under `f` still stands while both are unchanged (auth/session-cache.ts).
 *
 * - Known only while listening: before the first `ready`, after a lost connection, and until the version is read
 *   again after it, `current()` is null and nothing is answered from memory.
 * - Other processes' and background writes reach the cache through the announcement, at their commit, a few
 *   milliseconds later. This process's own requests must not wait for that: every request that may change data
 *   moves the fence when it starts and when it has been answered (plugins/db.ts), so whoever sent it reads fresh
 *   data next (a sign-out, say, ends its session in this process at once). A route whose writes cannot move a
 *   version says which ones they can (`config.movesVersions`), and moves only those fences: an upload, which
 *   writes imaging and audit rows only, moves none, so the sessions and list pages of concurrent requests stay.
 * One instance per database handle and version, shared by the apps built on it (tests build several), closed with
 * the last.
 */
import { sql } from 'kysely';
import type { DB } from './database';
import { listenOf } from './connect';

/** The versions, their tables and channels. */
const VERSIONS = {
  list: { table: 'list_version', channel: 'consult_list' },
  auth: { table: 'auth_version', channel: 'consult_auth' },
} as const;
export type VersionName = keyof typeof VERSIONS;

export class DataVersion {
  static readonly #byDb = new WeakMap<DB, Map<VersionName, DataVersion>>();
  /** The instance of `db`'s version `name`, if one was started (else nothing is ever known about it). */
  static of(db: DB, name: VersionName): DataVersion | undefined {
    return DataVersion.#byDb.get(db)?.get(name);
  }

  /** Instances being made (their schema is read first): starts at the same moment wait for the same one. */
  static readonly #making = new WeakMap<DB, Map<VersionName, Promise<DataVersion>>>();

  /** Start listening for `db`'s version `name` (or join the instance already listening or being started). */
  static async start(db: DB, name: VersionName): Promise<DataVersion> {
    const dv = await (DataVersion.#byDb.get(db)?.get(name) ?? DataVersion.#make(db, name));
    dv.#users++;
    return dv;
  }

  static #make(db: DB, name: VersionName): Promise<DataVersion> {
    let making = DataVersion.#making.get(db);
    if (!making) DataVersion.#making.set(db, (making = new Map()));
    const made =
      making.get(name) ??
      (async () => {
        const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
        const dv = new DataVersion(db, name, rows[0]?.s ?? 'public');
        let byName = DataVersion.#byDb.get(db);
        if (!byName) DataVersion.#byDb.set(db, (byName = new Map()));
        byName.set(name, dv);
        return dv;
      })().finally(() => making.delete(name));
    making.set(name, made);
    return made;
  }

  readonly #db: DB;
  readonly #name: VersionName;
  readonly #schema: string;
  readonly #closing: { close(): Promise<void> } | null;
  #users = 0;
  #latest: bigint | null = null;
  /** The highest version heard since the last `ready` (a read of the version may finish after newer news). */
  #heard: bigint | null = null;
  /** Moves on every `ready` and `lost`: a read of the version started before answers nothing. */
  #gen = 0;
  #fence = 0;

  private constructor(db: DB, name: VersionName, schema: string) {
    this.#db = db;
    this.#name = name;
    this.#schema = schema;
    const listen = listenOf(db);
    this.#closing = listen
      ? listen(VERSIONS[name].channel, {
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

  /** Which version this is. */
  get name(): VersionName {
    return this.#name;
  }

  /** The version a kept answer must have been read at to be answered now; null when not known. */
  current(): string | null {
    return this.#latest === null ? null : String(this.#latest);
  }

  /**
   * Whether something kept at data version `kept.version` under fence `kept.fence` may still be answered from
   * memory: the version heard now is that one and no local write moved the fence since.
   */
  holds(kept: { version: string; fence: number }): boolean {
    return kept.version === this.current() && kept.fence === this.#fence;
  }

  /** Taken before a read: what was read is answered from memory later only while this is unchanged. */
  fence(): number {
    return this.#fence;
  }

  /** This process is changing (or has changed) data: what was read before now is not answered from memory. */
  localWrite(): void {
    this.#fence++;
  }

  async stop(): Promise<void> {
    if (--this.#users > 0) return;
    DataVersion.#byDb.get(this.#db)?.delete(this.#name);
    this.#latest = null;
    await this.#closing?.close();
  }

  async #readVersion(): Promise<void> {
    const gen = ++this.#gen;
    this.#latest = null;
    this.#heard = null;
    this.#fence++;
    try {
      const { rows } = await sql<{ v: string }>`select v::text as v from ${sql.table(
        VERSIONS[this.#name].table,
      )} where id = 1`.execute(this.#db);
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
