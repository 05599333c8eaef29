import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Indexes that keep the remaining list shapes flat in the table size (issue 14):
 * - the consultant branch of the consultation list's queue view (urgency rank, SLA due with none last, id) for the
 *   assignee (partial on queue states): without it that branch read every case ever assigned to the user and sorted;
 * - the worklist's triage section (target hospital, SLA due with none last, id; partial on queue states);
 * - the worklist's "mine"/"readings" sections walk `consultations_assigned_recent_idx` (open cases; the partial index
 *   here skips the closed ones, which pile up forever).
 * The expressions must stay textually equal to the queries' sort keys, or the planner will not use them.
 */
const RANK = `(case urgency when 'emergency' then 0 when 'urgent' then 1 else 2 end)`;
const DUE = `coalesce(sla_due_at, 'infinity'::timestamptz)`;
const QUEUE = `state in ('submitted', 'triaged')`;
const OPEN = `state not in ('completed', 'declined', 'cancelled')`;

const INDEXES: Record<string, string> = {
  consultations_assigned_queue_order_idx: `(assigned_to, ${RANK}, ${DUE}, id) where ${QUEUE}`,
  consultations_target_queue_due_idx: `(target_hospital_id, ${DUE}, id) where ${QUEUE}`,
  consultations_assigned_open_recent_idx: `(assigned_to, updated_at desc, id desc) where ${OPEN}`,
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, def] of Object.entries(INDEXES))
    await sql.raw(`create index ${name} on consultations ${def}`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
}
