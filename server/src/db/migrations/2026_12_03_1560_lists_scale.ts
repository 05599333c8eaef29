import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Indexes that keep the remaining list shapes flat in the table size (issue 14):
 * - the consultant branch of the consultation list's queue view (urgency rank, SLA due with none last, id) for the
 *   assignee (partial on queue states): without it that branch read every case ever assigned to the user and sorted;
 * - the worklist's triage section (target hospital, SLA due with none last, id; partial on queue states);
 * - the worklist's "mine"/"readings" sections walk `consultations_assigned_recent_idx` (open cases; the partial index
 *   here skips the closed ones, which pile up forever).
 * - the dashboard cache's horizon: the next SLA due time among requests still waiting for a response.
 * The expressions must stay textually equal to the queries' sort keys, or the planner will not use them.
 *
 * And the dashboard's data version (dashboard/cache.ts): `dashboard_version.v` moves once per transaction that
 * changed any row the program dashboard reads (consultations, reports, rounds, their invitees and recordings,
 * pairings, and the columns of patients, users and hospitals it shows). The triggers are deferred constraint
 * triggers: they run at commit, after every statement of the transaction, so the one row they update is locked
 * only for the instant before the commit (no transaction waits for it while holding other locks: no deadlock).
 * A transaction-local setting makes every row event after the first a no-op (a bulk insert moves v once).
 */
const RANK = `(case urgency when 'emergency' then 0 when 'urgent' then 1 else 2 end)`;
const DUE = `coalesce(sla_due_at, 'infinity'::timestamptz)`;
const QUEUE = `state in ('submitted', 'triaged')`;
const OPEN = `state not in ('completed', 'declined', 'cancelled')`;

const INDEXES: Record<string, string> = {
  consultations_assigned_queue_order_idx: `(assigned_to, ${RANK}, ${DUE}, id) where ${QUEUE}`,
  consultations_target_queue_due_idx: `(target_hospital_id, ${DUE}, id) where ${QUEUE}`,
  consultations_assigned_open_recent_idx: `(assigned_to, updated_at desc, id desc) where ${OPEN}`,
  consultations_sla_waiting_due_idx: `(sla_due_at) where ${QUEUE} and responded_at is null`,
};

/** Tables (and, for some, the columns) whose changes move the dashboard's data version. */
const WATCHED: Record<string, string> = {
  consultations: 'insert or update or delete',
  reports: 'insert or update or delete',
  rounds: 'insert or update or delete',
  round_invitees: 'insert or update or delete',
  round_recordings: 'insert or update or delete',
  pairings: 'insert or update or delete',
  patients: 'insert or delete or update of poverty_registered',
  users: 'insert or delete or update of hospital_id',
  hospitals: 'insert or delete or update of name_zh, name_en',
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, def] of Object.entries(INDEXES))
    await sql.raw(`create index ${name} on consultations ${def}`).execute(db);
  await sql`create table dashboard_version (id int primary key check (id = 1), v bigint not null)`.execute(
    db,
  );
  await sql`insert into dashboard_version values (1, 0)`.execute(db);
  await sql
    .raw(
      `create function dashboard_touch() returns trigger language plpgsql as $$
      begin
        if coalesce(current_setting('consult.dashboard_touched', true), '') <> 'on' then
          update dashboard_version set v = v + 1;
          perform set_config('consult.dashboard_touched', 'on', true);
        end if;
        return null;
      end $$`,
    )
    .execute(db);
  for (const [table, events] of Object.entries(WATCHED))
    await sql
      .raw(
        `create constraint trigger ${table}_dashboard_touch after ${events} on ${table}
        deferrable initially deferred for each row execute function dashboard_touch()`,
      )
      .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of Object.keys(WATCHED))
    await sql.raw(`drop trigger if exists ${table}_dashboard_touch on ${table}`).execute(db);
  await sql`drop function if exists dashboard_touch()`.execute(db);
  await sql`drop table if exists dashboard_version`.execute(db);
  for (const name of Object.keys(INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
}
