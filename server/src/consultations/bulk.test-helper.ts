/**
 * Bulk consultations for list tests and benchmarks, generated in SQL (generate_series), not through the API:
 * copies of a template request with varied sort keys and relations. Deliberate ties: `updated_at` repeats every
 * 997 rows (so paging must break ties by id), every 5th row has no SLA due date, urgencies and states cycle.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { encodeCursor } from './cursor';

export interface BulkOptions {
  /** The request every row copies (patient, case, hospitals, requester). */
  templateId: string;
  count: number;
  /** Every `assignEvery`-th row is assigned to this user (0 = none). */
  assignTo?: string | null;
  assignEvery?: number;
  /** First series number (to add more rows later without repeating keys). */
  from?: number;
}

const STATES = [
  'submitted',
  'triaged',
  'accepted',
  'scheduled',
  'in_progress',
  'report_pending',
  'completed',
  'draft',
];

export async function insertBulkConsultations(db: Executor, o: BulkOptions): Promise<void> {
  const { rows } = await sql<{ column_name: string }>`select column_name from information_schema.columns
    where table_schema = current_schema() and table_name = 'consultations' order by ordinal_position`.execute(
    db,
  );
  const from = o.from ?? 1;
  const every = o.assignEvery ?? 4;
  const override: Record<string, ReturnType<typeof sql>> = {
    id: sql`gen_random_uuid()`,
    updated_at: sql`timestamptz '2026-11-01 00:00:00+00' - ((g % 997) * interval '1 minute')`,
    created_at: sql`timestamptz '2026-10-01 00:00:00+00' - ((g % 997) * interval '1 minute')`,
    urgency: sql`(array['routine', 'urgent', 'emergency'])[1 + g % 3]`,
    state: sql`(array[${sql.join(STATES.map((s) => sql.lit(s)))}])[1 + (g / 3) % ${sql.lit(STATES.length)}]`,
    sla_due_at: sql`case when g % 5 = 0 then null else timestamptz '2026-11-02 00:00:00+00' + ((g % 101) * interval '1 hour') end`,
    assigned_to:
      o.assignTo && every
        ? sql`case when g % ${sql.lit(every)} = 0 then ${o.assignTo}::uuid else null end`
        : sql`null::uuid`,
    version: sql`0`,
  };
  const cols = rows.map((r) => r.column_name);
  const values = cols.map((c) => override[c] ?? sql.ref(`t.${c}`));
  // Large loads outlive the pool's statement timeout: lift it for this statement's connection only.
  await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`insert into consultations (${sql.join(cols.map((c) => sql.ref(c)))})
      select ${sql.join(values)} from consultations t, generate_series(${from}::int, ${from + o.count - 1}::int) g
      where t.id = ${o.templateId}::uuid`.execute(conn);
    await sql`reset statement_timeout`.execute(conn);
  });
}

/** Fresh planner statistics and visibility map after a bulk load. */
export async function analyzeConsultations(db: Executor): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`vacuum analyze consultations`.execute(conn);
    await sql`reset statement_timeout`.execute(conn);
  });
}

export async function actorByUsername(db: Executor, username: string): Promise<Actor> {
  const u = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  return { id: u.id, role: u.role, hospitalId: u.hospital_id } as Actor;
}

/**
 * For a specialist's view=all list: how many rows they see (triage queue of their hospital + assigned to them;
 * the bulk rows have no care-team members) and the cursor of the row at `fraction` of it (a deep page).
 */
export async function specialistDeepCursor(db: Executor, a: Actor, fraction: number) {
  const where = sql`c.target_hospital_id = ${a.hospitalId}::uuid
    and (c.state in ('submitted', 'triaged') or c.assigned_to = ${a.id}::uuid)`;
  const { rows: n } = await sql<{
    n: number;
  }>`select count(*)::int as n from consultations c where ${where}`.execute(db);
  const visible = Number(n[0]!.n);
  const skip = Math.floor(visible * fraction);
  const { rows: at } = await sql<{ t: string; id: string }>`select to_char(c.updated_at at time zone 'UTC',
      'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t, c.id from consultations c where ${where}
    order by c.updated_at desc, c.id desc offset ${skip} limit 1`.execute(db);
  return { visible, skip, cursor: encodeCursor({ order: 'recent', updatedAt: at[0]!.t, id: at[0]!.id }) };
}

export async function countAudited(db: Executor, action: string): Promise<number> {
  const r = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', action)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function dropSchemaOf(db: Executor, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

/** The database backends serving the connections from these client ports (the benchmark reads their CPU time). */
export async function backendPids(db: Executor, clientPorts: number[]): Promise<number[]> {
  if (!clientPorts.length) return [];
  const r = await sql<{ pid: number }>`select pid from pg_stat_activity
    where client_port = any(${clientPorts}::int[])`.execute(db);
  return r.rows.map((x) => x.pid);
}
