/**
 * The SQL of database snapshots (backup, restore, embedded → PostgreSQL): a logical copy of every application table
 * of the current schema, as JSON rows read in ONE repeatable-read transaction (a consistent snapshot while the
 * platform keeps running on PostgreSQL) and written back with PostgreSQL's own json → row conversion, so the same
 * code serves PGlite and PostgreSQL and a snapshot restores into any fresh schema.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/database';
import type { Database } from '../db/database';

type Trx = Transaction<Database>;
/**
 * Not copied: Kysely's bookkeeping (the target runs the migrations itself) and the dashboard's, the list's and the
 * sign-in data versions (counters the migrations create with their one row; they only invalidate in-memory caches
 * of a running process, so any value is right in a database a new process starts on).
 */
const SKIP = new Set([
  'kysely_migration',
  'kysely_migration_lock',
  'dashboard_version',
  'list_version',
  'auth_version',
]);
const BATCH = 1000;

export async function applicationTables(ex: DB | Trx): Promise<string[]> {
  const { rows } = await sql<{ t: string }>`
    select table_name as t from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(ex);
  return rows.map((r) => r.t).filter((t) => !SKIP.has(t));
}

/** Whether the current schema holds the platform's tables at all (its migrations ran there). */
export async function hasPlatformSchema(db: DB): Promise<boolean> {
  const { rows } = await sql<{ r: string | null }>`select to_regclass('kysely_migration')::text as r`.execute(
    db,
  );
  return rows[0]?.r != null;
}

export async function appliedMigrations(ex: DB | Trx): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(ex);
  return rows.map((r) => r.name);
}

/** Rows of the application tables that hold any data (a restore target must have none). */
export async function nonEmptyTables(db: DB): Promise<string[]> {
  const out: string[] = [];
  for (const t of await applicationTables(db)) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) out.push(t);
  }
  return out;
}

/**
 * Read every table in one repeatable-read, read-only transaction; `onBatch` gets each batch of JSON rows
 * (text, one row per element) in table order. Returns the applied migrations and the row count per table.
 */
export async function readSnapshot(
  db: DB,
  onBatch: (table: string, rows: string[]) => Promise<void>,
): Promise<{ migrations: string[]; counts: Record<string, number> }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const counts: Record<string, number> = {};
      for (const t of await applicationTables(trx)) {
        counts[t] = 0;
        for (let offset = 0; ; offset += BATCH) {
          // ctid order is stable inside the snapshot, so the pages neither skip nor repeat rows.
          const { rows } = await sql<{ j: string }>`
            select row_to_json(x)::text as j from (select * from ${sql.table(t)} order by ctid
            limit ${BATCH} offset ${offset}) x`.execute(trx);
          if (!rows.length) break;
          counts[t] += rows.length;
          await onBatch(
            t,
            rows.map((r) => r.j),
          );
          if (rows.length < BATCH) break;
        }
      }
      return { migrations: await appliedMigrations(trx), counts };
    });
}

/**
 * Write rows into the (migrated, empty) current schema in one transaction: all of it or none. Triggers and foreign
 * keys are deferred for the load (session_replication_role = replica: the rows were consistent where they came
 * from, and the audit table's append-only trigger must not see a restore as tampering); identity sequences are
 * moved past the restored rows afterwards.
 */
export async function writeSnapshot(
  db: DB,
  load: (insert: (table: string, rows: string[]) => Promise<void>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    const tables = new Set(await applicationTables(trx));
    await load(async (table, rows) => {
      if (!tables.has(table))
        throw new Error(`the snapshot has a table this version does not know: ${table}`);
      for (let i = 0; i < rows.length; i += BATCH) {
        const json = `[${rows.slice(i, i + BATCH).join(',')}]`;
        await sql`insert into ${sql.table(table)} overriding system value
          select * from json_populate_recordset(null::${sql.table(table)}, ${json}::json)`.execute(trx);
      }
    });
    const { rows: seqs } = await sql<{ t: string; c: string }>`
      select table_name as t, column_name as c from information_schema.columns
      where table_schema = current_schema() and (is_identity = 'YES' or column_default like 'nextval(%')`.execute(
      trx,
    );
    for (const { t, c } of seqs) {
      await sql`select setval(pg_get_serial_sequence(${t}, ${c}),
        coalesce((select max(${sql.ref(c)}) from ${sql.table(t)}), 0) + 1, false)`.execute(trx);
    }
  });
}
